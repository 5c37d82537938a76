#include "engine/runtime/pico/pico_state.h"

#include <algorithm>

#include "engine/krl/error.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/select_when/select_bridge.h"
#include "engine/runtime/services.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace keys = store::keys;
using krl::Map;
using krl::Value;

namespace {

// `chain`: the rids being instantiated, outermost first. A `use module` of a
// rid already in it is a dependency cycle: refused with the cycle named
// (reference CorePico.use, "Dependency Cycle Found: ..."), before the nesting
// limit would stop it. The registry refuses registering cycles; this catches
// any that reach an instance anyway (e.g. records persisted before that check).
std::shared_ptr<krl::RulesetInstance> instantiate(const std::shared_ptr<const LoadedRuleset>& rs,
                                                  const Map& config, Services& services,
                                                  krl::EvalContext& ctx,
                                                  std::vector<std::string>& chain) {
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
  krl::InstanceOptions options;
  options.config = config;
  options.use_module = [&services, &chain, &owner](const krl::UseModuleSpec& use, const Map& with,
                                                   krl::EvalContext& c) -> Map {
    auto seen = std::find(chain.begin(), chain.end(), use.rid);
    if (seen != chain.end()) {
      std::string cycle;
      for (auto it = seen; it != chain.end(); ++it) cycle += *it + " -> ";
      // No location: it would be in the used ruleset, reported under the user's url.
      throw krl::KrlError("Dependency Cycle Found: " + cycle + use.rid);
    }
    auto used = services.registry().get(use.rid);
    if (!used) throw krl::KrlError("Module not found: " + use.rid, "Error", use.loc);
    if (c.depth > c.limits.max_call_depth) {
      throw krl::KrlError("use module nesting is too deep (" + use.rid + ")");
    }
    ++c.depth;
    auto inst = instantiate(used, with, services, c, chain);
    --c.depth;
    owner->modules.push_back(inst);
    return inst->provides();
  };
  owner->instance = krl::RulesetInstance::create(rs->program, options, ctx);
  krl::RulesetInstance* raw = owner->instance.get();
  return std::shared_ptr<krl::RulesetInstance>(std::move(owner), raw);
}

}  // namespace

std::shared_ptr<krl::RulesetInstance> make_instance(std::shared_ptr<const LoadedRuleset> rs,
                                                    const Map& config, Services& services,
                                                    krl::EvalContext& ctx) {
  std::vector<std::string> chain;
  return instantiate(rs, config, services, ctx, chain);
}

std::unique_ptr<PicoState> PicoState::load(store::Store& store, Services& services,
                                           const std::string& pico_id, std::string* error) {
  std::unique_ptr<PicoState> p(new PicoState());
  p->id_ = pico_id;
  p->store_ = &store;
  std::string raw;
  if (!store.get(keys::pico(pico_id), &raw)) {
    *error = "Pico not found: " + pico_id;
    return nullptr;
  }
  if (!decode_record(raw, &p->record_, error)) {
    *error = "pico " + pico_id + ": " + *error;
    return nullptr;
  }
  std::vector<std::string> ecis;
  store.scan(keys::pico_channel_prefix(pico_id), [&](std::string_view key, std::string_view) {
    std::string pid, eci;
    if (keys::parse_pico_channel(key, &pid, &eci)) ecis.push_back(eci);
    return true;
  });
  for (const auto& eci : ecis) {
    ChannelRecord c;
    if (!store.get(keys::channel(eci), &raw) || !decode_record(raw, &c, error)) {
      *error = "channel " + eci + " of pico " + pico_id + " is missing or corrupt";
      return nullptr;
    }
    c.eci = eci;
    p->channels_[eci] = std::move(c);
  }
  std::vector<std::pair<std::string, InstallRecord>> installs;
  bool ok = true;
  store.scan(keys::installation_prefix(pico_id), [&](std::string_view key, std::string_view value) {
    std::string pid, rid;
    InstallRecord rec;
    if (!keys::parse_installation(key, &pid, &rid) ||
        !decode_record(std::string(value), &rec, error)) {
      *error = "installation record of pico " + pico_id + " is corrupt";
      ok = false;
      return false;
    }
    installs.emplace_back(rid, std::move(rec));
    return true;
  });
  if (!ok) return nullptr;
  std::stable_sort(installs.begin(), installs.end(),
                   [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
  for (auto& [rid, rec] : installs) {
    auto rs = services.registry().get(rid);
    if (!rs) {
      *error = "pico " + pico_id + " has " + rid + " installed but it is not registered";
      return nullptr;
    }
    if (!p->install(rs, std::move(rec), services, error)) return nullptr;
  }
  return p;
}

std::vector<const ChannelRecord*> PicoState::channels_in_order() const {
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
                        Services& services, std::string* error) {
  krl::EvalContext ctx;
  ctx.limits = services.limits();
  RuntimeHost host(*this, services, nullptr);
  host.set_current_rule(rs->rid, "");
  ctx.host = &host;
  Installation inst;
  inst.rid = rs->rid;
  try {
    inst.instance = make_instance(rs, record.config, services, ctx);
  } catch (const krl::KrlError& e) {
    *error = rs->rid + ": " + e.message();
    if (e.loc().line) {
      *error = rs->url + ":" + std::to_string(e.loc().line) + ":" + std::to_string(e.loc().col) +
               ": " + e.message();
    }
    return false;
  }
  // Rules with a dynamic `within` get a machine of their own.
  inst.select = rs->select;
  const auto& rules = rs->program->rules();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].within_is_dynamic || !rules[i].select) continue;
    std::string err;
    inst.select[i] = compile_rule_select(*rules[i].select, i, inst.instance->within_ms(i), &err);
    if (!inst.select[i]) {
      *error = rs->rid + " rule " + rules[i].name + ": " + err;
      return false;
    }
  }
  inst.record = std::move(record);
  inst.ruleset = std::move(rs);
  install_ready(std::move(inst));
  return true;
}

void PicoState::install_ready(Installation inst) {
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
  installs_.erase(std::remove_if(installs_.begin(), installs_.end(),
                                 [&](const Installation& i) { return i.rid == rid; }),
                  installs_.end());
  for (auto it = ents_.begin(); it != ents_.end();) {
    it = it->first.first == rid ? ents_.erase(it) : std::next(it);
  }
  for (auto it = rule_states_.begin(); it != rule_states_.end();) {
    it = it->first.first == rid ? rule_states_.erase(it) : std::next(it);
  }
}

std::int64_t PicoState::next_install_order() const {
  std::int64_t n = 0;
  for (const auto& i : installs_) n = std::max(n, i.record.order + 1);
  return n;
}

std::int64_t PicoState::next_channel_order() const {
  std::int64_t n = 0;
  for (const auto& [eci, c] : channels_) n = std::max(n, c.order + 1);
  return n;
}

const Value& PicoState::ent(const std::string& rid, const std::string& name) {
  auto key = std::make_pair(rid, name);
  auto it = ents_.find(key);
  if (it != ents_.end()) return it->second;
  Value v;
  std::string raw;
  if (store_->get(keys::entvar(id_, rid, name), &raw)) {
    std::string err;
    // Written by us with encode_json; deeper nesting than reads allow is still ours.
    if (!krl::parse_json(raw, &v, &err, 1 << 16)) v = Value();
  }
  return ents_.emplace(std::move(key), std::move(v)).first->second;
}

void PicoState::set_ent_cache(const std::string& rid, const std::string& name, Value v) {
  ents_[{rid, name}] = std::move(v);
}

const Value& PicoState::rule_state(const std::string& rid, const std::string& rule) {
  auto key = std::make_pair(rid, rule);
  auto it = rule_states_.find(key);
  if (it != rule_states_.end()) return it->second;
  Value v;
  std::string raw;
  if (store_->get(keys::rule_state(id_, rid, rule), &raw)) v = SelectWhen::state_from_json(raw);
  return rule_states_.emplace(std::move(key), std::move(v)).first->second;
}

void PicoState::set_rule_state_cache(const std::string& rid, const std::string& rule, Value v) {
  rule_states_[{rid, rule}] = std::move(v);
}

}  // namespace spime::runtime
