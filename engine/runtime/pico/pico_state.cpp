#include "engine/runtime/pico/pico_state.h"

#include <algorithm>
#include <atomic>

#include "engine/krl/error.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/pico/services.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/select_when/select_bridge.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using krl::Map;
using krl::Value;

namespace {

// What instantiate made: the instance, whether it may be shared (its
// ruleset's globals are shareable and so are its modules'), and the ruleset
// versions of its modules, all levels, in the order they were checked.
struct Made {
  std::shared_ptr<krl::RulesetInstance> instance;
  bool shareable = false;
  std::vector<std::shared_ptr<const LoadedRuleset>> modules;
};

// The configuration as the shared instances' key (its encoding).
std::string config_key(const Map& config) {
  return krl::encode_json(Value(config));
}

// `chain`: the rids being instantiated, outermost first. A `use module` of a
// rid already in it is a dependency cycle: refused with the cycle named
// (reference CorePico.use, "Dependency Cycle Found: ..."), before the nesting
// limit would stop it. The registry refuses registering cycles; this catches
// any that reach an instance anyway (e.g. records persisted before that check).
//
// A ruleset whose globals are shareable (krl::Program::shareable_globals) is
// first looked up in its version's SharedInstances: an instance made for
// another pico with the same configuration serves when its modules are still
// the registry's versions and installed here (checked in the order a new
// instance would check them, with the same errors).
Made instantiate(const std::shared_ptr<const LoadedRuleset>& rs, const Map& config,
                 Services& services, krl::EvalContext& ctx, std::vector<std::string>& chain,
                 const InstalledOnPico& installed) {
  const bool shareable = rs->program->shareable_globals() && rs->shared;
  std::string key;
  if (shareable) {
    key = config_key(config);
    if (std::optional<SharedInstances::Entry> e = rs->shared->find(key)) {
      bool current = true;
      for (const auto& m : e->modules) current = current && services.registry().get(m->rid) == m;
      if (current) {
        for (const auto& m : e->modules) {
          if (!installed(m->rid)) throw krl::KrlError("Module not found: " + m->rid);
        }
        return Made{std::move(e->instance), true, std::move(e->modules)};
      }
    }
  }
  chain.push_back(rs->rid);
  struct Pop {
    std::vector<std::string>& chain;
    ~Pop() { chain.pop_back(); }
  } pop{chain};
  // The used modules' instances must live as long as this one: a
  // RulesetInstance clears its globals when destroyed (closure cycles), and
  // the functions a module provides read its globals (and its own modules)
  // whenever they are called. The returned pointer owns them (aliasing).
  struct WithModules {
    std::vector<std::shared_ptr<krl::RulesetInstance>> modules;
    std::shared_ptr<krl::RulesetInstance> instance;
  };
  auto owner = std::make_shared<WithModules>();
  Made made;
  made.shareable = shareable;
  krl::InstanceOptions options;
  options.config = config;
  options.use_module = [&services, &chain, &owner, &installed, &made](const krl::UseModuleSpec& use,
                                                                      const Map& with,
                                                                      krl::EvalContext& c) -> Map {
    auto seen = std::find(chain.begin(), chain.end(), use.rid);
    if (seen != chain.end()) {
      std::string cycle;
      for (auto it = seen; it != chain.end(); ++it) cycle += *it + " -> ";
      // No location: it would be in the used ruleset, reported under the user's url.
      throw krl::KrlError("Dependency Cycle Found: " + cycle + use.rid);
    }
    // The reference's words: a module must be registered
    // (validateModuleDependencies), and installed on this pico (CorePico.use).
    auto used = services.registry().get(use.rid);
    if (!used) throw krl::KrlError("Dependant module not loaded: " + use.rid, "Error", use.loc);
    if (!installed(use.rid)) throw krl::KrlError("Module not found: " + use.rid);
    if (c.depth > c.limits.max_call_depth) {
      throw krl::KrlError("use module nesting is too deep (" + use.rid + ")");
    }
    made.modules.push_back(used);
    ++c.depth;
    Made inner = instantiate(used, with, services, c, chain, installed);
    --c.depth;
    made.shareable = made.shareable && inner.shareable;
    made.modules.insert(made.modules.end(), inner.modules.begin(), inner.modules.end());
    owner->modules.push_back(inner.instance);
    return inner.instance->provides();
  };
  owner->instance = krl::RulesetInstance::create(rs->program, options, ctx);
  krl::RulesetInstance* raw = owner->instance.get();
  made.instance = std::shared_ptr<krl::RulesetInstance>(std::move(owner), raw);
  if (made.shareable) rs->shared->put(key, SharedInstances::Entry{made.instance, made.modules});
  return made;
}

}  // namespace

bool build_selects(Installation* inst, std::string* error) {
  inst->select = inst->ruleset->select;
  const auto& rules = inst->ruleset->program->rules();
  std::vector<std::shared_ptr<const SelectWhen>> own;  // empty while shared
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].within_is_dynamic || !rules[i].select) continue;
    if (own.empty()) own = inst->select->rules();
    std::string err;
    own[i] = compile_rule_select(*rules[i].select, i, inst->instance->within_ms(i), &err);
    if (!own[i]) {
      *error = inst->rid + " rule " + rules[i].name + ": " + err;
      return false;
    }
  }
  if (!own.empty()) inst->select = std::make_shared<const RuleSelects>(std::move(own));
  return true;
}

std::shared_ptr<krl::RulesetInstance> make_instance(std::shared_ptr<const LoadedRuleset> rs,
                                                    const Map& config, Services& services,
                                                    krl::EvalContext& ctx,
                                                    const InstalledOnPico& installed) {
  std::vector<std::string> chain;
  return instantiate(rs, config, services, ctx, chain, installed).instance;
}

std::unique_ptr<PicoState> PicoState::load(store::Store& store, Services& services,
                                           const std::string& pico_id, std::string* error) {
  pico_records::LoadedPico loaded;
  if (!pico_records::load(store, pico_id, &loaded, error, /*with_channels=*/false)) return nullptr;
  std::vector<std::pair<std::shared_ptr<const LoadedRuleset>, InstallRecord>> installs;
  std::vector<std::pair<std::string, InstallRecord>> unloaded;
  for (auto& [rid, rec] : loaded.installs) {
    auto rs = services.registry().get(rid);
    if (!rs) {
      unloaded.emplace_back(rid, std::move(rec));  // runs without it (unloaded())
      continue;
    }
    installs.emplace_back(std::move(rs), std::move(rec));
  }
  auto p = create(store, services, pico_id, std::move(loaded.record), {}, installs, error);
  if (!p) return nullptr;
  p->unloaded_ = std::move(unloaded);
  p->fresh_ = false;
  p->all_channels_ = false;
  p->channel_order_known_ = p->record_.next_channel_order.has_value();
  p->next_channel_order_ = p->record_.next_channel_order.value_or(0);
  p->all_children_ = false;
  p->child_order_known_ = p->record_.next_child_order.has_value();
  p->next_child_order_ = p->record_.next_child_order.value_or(0);
  return p;
}

std::unique_ptr<PicoState> PicoState::create(
    store::Store& store, Services& services, const std::string& pico_id, PicoRecord record,
    std::vector<ChannelRecord> channels,
    const std::vector<std::pair<std::shared_ptr<const LoadedRuleset>, InstallRecord>>& installs,
    std::string* error) {
  std::unique_ptr<PicoState> p(new PicoState());
  p->id_ = pico_id;
  p->store_ = &store;
  p->fresh_ = true;  // load() says otherwise
  p->record_ = std::move(record);
  p->record_.legacy_children.clear();
  for (ChannelRecord& c : channels) p->put_channel(std::move(c));
  std::vector<std::string> rids;
  for (const auto& [rs, rec] : installs) rids.push_back(rs->rid);
  for (const auto& [rs, rec] : installs) {
    if (!p->install(rs, rec, services, error, &rids)) return nullptr;
  }
  return p;
}

namespace {

std::string tags_key(std::vector<std::string> tags) {
  std::sort(tags.begin(), tags.end());
  std::string key;
  for (const std::string& t : tags) {
    key += t;
    key.push_back('\x1f');
  }
  return key;
}

}  // namespace

void PicoState::put_channel(ChannelRecord c) {
  erased_channels_.erase(c.eci);
  keep_channel(std::move(c));
}

void PicoState::keep_channel(ChannelRecord c) const {
  next_channel_order_ = std::max(next_channel_order_, c.order + 1);
  std::string eci = c.eci;
  unindex_channel(eci);
  ecis_by_tags_.emplace(tags_key(c.tags), eci);
  channels_[eci] = std::move(c);
}

void PicoState::erase_channel(const std::string& eci) {
  unindex_channel(eci);
  channels_.erase(eci);
  if (!all_channels_) erased_channels_.insert(eci);
}

void PicoState::unindex_channel(const std::string& eci) const {
  auto it = channels_.find(eci);
  if (it == channels_.end()) return;
  auto [first, last] = ecis_by_tags_.equal_range(tags_key(it->second.tags));
  for (auto i = first; i != last; ++i) {
    if (i->second == eci) {
      ecis_by_tags_.erase(i);
      return;
    }
  }
}

const ChannelRecord* PicoState::channel(const std::string& eci) const {
  auto it = channels_.find(eci);
  if (it != channels_.end()) return &it->second;
  if (all_channels_ || erased_channels_.count(eci)) return nullptr;
  ChannelRecord c;
  if (!pico_records::load_channel(*store_, eci, &c) || c.pico_id != id_) return nullptr;
  keep_channel(std::move(c));
  return &channels_.at(eci);
}

void PicoState::load_all_channels() const {
  if (all_channels_) return;
  for (const std::string& eci : pico_records::channel_ecis(*store_, id_)) {
    if (channels_.count(eci) || erased_channels_.count(eci)) continue;
    ChannelRecord c;
    // An unreadable record stays out, as a lookup of it finds nothing.
    if (pico_records::load_channel(*store_, eci, &c) && c.pico_id == id_)
      keep_channel(std::move(c));
  }
  all_channels_ = true;
  channel_order_known_ = true;
  erased_channels_.clear();
}

const std::map<std::string, ChannelRecord>& PicoState::channels() const {
  load_all_channels();
  return channels_;
}

std::vector<const ChannelRecord*> PicoState::channels_with_tags(
    std::vector<std::string> tags) const {
  load_all_channels();
  std::vector<const ChannelRecord*> out;
  auto [first, last] = ecis_by_tags_.equal_range(tags_key(std::move(tags)));
  for (auto i = first; i != last; ++i) {
    auto c = channels_.find(i->second);
    if (c != channels_.end()) out.push_back(&c->second);
  }
  return out;
}

void PicoState::load_all_children() const {
  if (all_children_) return;
  std::vector<std::pair<std::string, std::int64_t>> stored;
  std::string error;
  // A corrupt link stops the listing where it is, as a lookup of it finds nothing.
  pico_records::load_children(*store_, id_, &stored, &error);
  for (auto& [eci, order] : stored) {
    if (removed_children_.count(eci)) continue;
    next_child_order_ = std::max(next_child_order_, order + 1);
    children_.emplace(std::move(eci), order);
  }
  all_children_ = true;
  child_order_known_ = true;
  removed_children_.clear();
}

bool PicoState::has_child(const std::string& eci) const {
  if (children_.count(eci)) return true;
  if (all_children_ || removed_children_.count(eci)) return false;
  std::int64_t order = 0;
  if (!pico_records::load_child(*store_, id_, eci, &order)) return false;
  children_.emplace(eci, order);
  next_child_order_ = std::max(next_child_order_, order + 1);
  return true;
}

void PicoState::remove_child(const std::string& eci) {
  children_.erase(eci);
  if (!all_children_) removed_children_.insert(eci);
}

std::int64_t PicoState::next_child_order() const {
  if (!child_order_known_) load_all_children();
  return next_child_order_;
}

std::vector<std::string> PicoState::children_in_order() const {
  load_all_children();
  std::vector<std::pair<std::int64_t, const std::string*>> by_order;
  by_order.reserve(children_.size());
  for (const auto& [eci, order] : children_) by_order.emplace_back(order, &eci);
  std::sort(by_order.begin(), by_order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(by_order.size());
  for (const auto& [order, eci] : by_order) out.push_back(*eci);
  return out;
}

void PicoState::add_child(const std::string& eci, std::int64_t order) {
  removed_children_.erase(eci);
  children_[eci] = order;
  next_child_order_ = std::max(next_child_order_, order + 1);
}

std::vector<const ChannelRecord*> PicoState::channels_in_order() const {
  load_all_channels();
  std::vector<const ChannelRecord*> out;
  for (const auto& [eci, c] : channels_) out.push_back(&c);
  std::stable_sort(out.begin(), out.end(), [](const ChannelRecord* a, const ChannelRecord* b) {
    return a->order < b->order;
  });
  return out;
}

const Installation* PicoState::installation(std::string_view rid) const {
  for (const auto& i : installs_) {
    if (i.rid == rid) return &i;
  }
  return nullptr;
}

bool PicoState::install(std::shared_ptr<const LoadedRuleset> rs, InstallRecord record,
                        Services& services, std::string* error,
                        const std::vector<std::string>* also_installed) {
  krl::EvalContext ctx;
  ctx.limits = services.limits();
  // Globals run outside any event: what they might write goes nowhere.
  Transaction scratch;
  RuntimeHost host(*this, services, scratch, nullptr);
  host.set_current_rule(rs->rid, "");
  ctx.host = &host;
  Installation inst;
  inst.rid = rs->rid;
  try {
    inst.instance = make_instance(rs, record.config, services, ctx, [&](std::string_view rid) {
      return installation(rid) != nullptr ||
             (also_installed && std::find(also_installed->begin(), also_installed->end(), rid) !=
                                    also_installed->end());
    });
  } catch (const krl::KrlError& e) {
    *error = rs->rid + ": " + e.message();
    if (e.loc().line) {
      *error = rs->url + ":" + std::to_string(e.loc().line) + ":" + std::to_string(e.loc().col) +
               ": " + e.message();
    }
    return false;
  }
  inst.record = std::move(record);
  inst.ruleset = std::move(rs);
  if (!build_selects(&inst, error)) return false;
  install_ready(std::move(inst));
  return true;
}

std::uint64_t PicoState::next_installs_version() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

void PicoState::install_ready(Installation inst) {
  installs_version_ = next_installs_version();
  for (auto& i : installs_) {
    if (i.rid == inst.rid) {
      // Reinstalling keeps the install position, as the reference's map keeps key order.
      inst.record.order = i.record.order;
      i = std::move(inst);
      return;
    }
  }
  installs_.push_back(std::move(inst));
}

void PicoState::uninstall(std::string_view rid) {
  installs_version_ = next_installs_version();
  installs_.erase(std::remove_if(installs_.begin(), installs_.end(),
                                 [&](const Installation& i) { return i.rid == rid; }),
                  installs_.end());
  for (auto it = ents_.begin(); it != ents_.end();) {
    it = it->first.first == rid ? ents_.erase(it) : std::next(it);
  }
  for (auto it = rule_states_.begin(); it != rule_states_.end();) {
    it = it->first.first == rid ? rule_states_.erase(it) : std::next(it);
  }
  for (auto it = pending_raw_.begin(); it != pending_raw_.end();) {
    it = it->second.rid == rid ? pending_raw_.erase(it) : std::next(it);
  }
  // The erasure may not be durable yet: the store could still answer the
  // old values, so nothing of this rid is read from it again.
  cleared_rids_.emplace(rid);
}

std::int64_t PicoState::next_install_order() const {
  std::int64_t n = 0;
  for (const auto& i : installs_) n = std::max(n, i.record.order + 1);
  return n;
}

std::int64_t PicoState::next_channel_order() const {
  if (!channel_order_known_) load_all_channels();
  return next_channel_order_;
}

const entity_records::StoredEnt& PicoState::stored_ent(const std::string& rid,
                                                       const std::string& name) {
  auto key = std::make_pair(rid, name);
  auto it = ents_.find(key);
  if (it != ents_.end()) return it->second;
  entity_records::StoredEnt v;
  std::string raw;
  if (!fresh_ && !cleared_rids_.count(rid) &&
      pico_records::load_entvar(*store_, id_, rid, name, &raw)) {
    // A keyed map's entries through the writes not yet durable, as its other raw keys.
    const std::string prefix = store::keys::entvar_entry_prefix(id_, rid, name);
    v = entity_records::decode(raw, [&](const entity_records::EntryVisitor& visit) {
      RawRange entries;
      read_raw_range(rid, prefix, store::keys::prefix_end(prefix), &entries);
      for (const auto& [k, record] : entries) {
        if (record) visit(std::string_view(k).substr(prefix.size()), *record);
      }
    });
  }
  return ents_.emplace(std::move(key), std::move(v)).first->second;
}

void PicoState::set_ent_cache(const std::string& rid, const std::string& name,
                              entity_records::StoredEnt v) {
  ents_[{rid, name}] = std::move(v);
}

const Value& PicoState::rule_state(const std::string& rid, const std::string& rule) {
  auto key = std::make_pair(rid, rule);
  auto it = rule_states_.find(key);
  if (it != rule_states_.end()) return it->second;
  Value v;
  std::string raw;
  if (!fresh_ && !cleared_rids_.count(rid) &&
      pico_records::load_rule_state(*store_, id_, rid, rule, &raw))
    v = SelectWhen::decode_record(raw);
  return rule_states_.emplace(std::move(key), std::move(v)).first->second;
}

void PicoState::set_rule_state_cache(const std::string& rid, const std::string& rule, Value v) {
  rule_states_[{rid, rule}] = std::move(v);
}

bool PicoState::read_raw(std::string_view rid, const std::string& key, std::string* value) const {
  auto it = pending_raw_.find(key);
  if (it != pending_raw_.end()) {
    if (!it->second.value) return false;
    *value = *it->second.value;
    return true;
  }
  // Not fresh_: unlike entity variables, raw keys are not all in memory; a created pico's
  // keys reach the store once its creation commits.
  if (cleared_rids_.count(rid)) return false;
  return store_->get(key, value);
}

void PicoState::read_raw_range(std::string_view rid, const std::string& begin,
                               const std::string& end, RawRange* out) const {
  if (!cleared_rids_.count(rid)) {
    store_->scan_range(begin, end, [&](std::string_view key, std::string_view value) {
      out->insert_or_assign(std::string(key), std::string(value));
      return true;
    });
  }
  for (auto it = pending_raw_.lower_bound(begin); it != pending_raw_.end() && it->first < end;
       ++it) {
    (*out)[it->first] = it->second.value;
  }
}

void PicoState::put_pending_raw(const std::string& rid, const std::string& key,
                                std::optional<std::string> value) {
  PendingRaw& p = pending_raw_[key];
  p.rid = rid;
  p.value = std::move(value);
  p.seq = 0;
}

void PicoState::seal_pending_raw(std::uint64_t seq) {
  for (auto& [key, p] : pending_raw_) {
    if (p.seq == 0) p.seq = seq;
  }
}

void PicoState::prune_pending_raw(std::uint64_t durable_seq) {
  for (auto it = pending_raw_.begin(); it != pending_raw_.end();) {
    const std::uint64_t seq = it->second.seq;
    it = seq != 0 && seq <= durable_seq ? pending_raw_.erase(it) : std::next(it);
  }
}

}  // namespace spime::runtime
