#include "engine/runtime/pico/runtime_host.h"

#include "engine/krl/stdlib/stdlib.h"

#include <algorithm>

#include "engine/krl/error.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/select_when/select_when.h"
#include "engine/runtime/timers/cron.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::runtime {

using krl::KrlError;
using krl::Map;
using krl::Value;

void check_storable(const Value& v, std::string_view what) {
  if (v.is_callable() || v.is_regexp()) {
    throw KrlError(std::string(what) + ": a " + std::string(krl::type_name(v.type())) +
                       " cannot be stored (entity variables hold JSON values)",
                   "TypeError");
  }
  if (v.is_array()) {
    for (const Value& x : v.as_array()) check_storable(x, what);
  } else if (v.is_map()) {
    for (const auto& [k, x] : v.as_map()) check_storable(x, what);
  }
}

namespace {

// check_storable of what `value` adds over `before`, which is storable (stored
// or checked already): a map's entries that are the same objects as before's
// are not walked again, so a path write into a large map checks one entry.
void check_storable_over(const Value& before, const Value& value, std::string_view what) {
  if (value.is_same_object(before)) return;
  if (!value.is_map() || !before.is_map()) return check_storable(value, what);
  const auto& was = before.as_map().entries();
  std::size_t i = 0;
  for (const auto& [key, v] : value.as_map()) {
    const Value* old =
        i < was.size() && was[i].first == key ? &was[i].second : before.as_map().find(key);
    ++i;
    if (!old || !v.is_same_object(*old)) check_storable(v, what);
  }
}

}  // namespace

RuntimeHost::RuntimeHost(PicoState& pico, Services& services, Transaction& txn,
                         const QueryInfo* query)
    : pico_(pico), services_(services), txn_(txn), query_(query) {}

RuntimeHost& RuntimeHost::from(krl::EvalContext& ctx, const char* what) {
  auto* h = dynamic_cast<RuntimeHost*>(ctx.host);
  if (!h) throw KrlError(std::string(what) + " needs a pico");
  return *h;
}

void RuntimeHost::throw_if_read_only(const char* what) const {
  if (query_)
    throw KrlError(std::string(what) + " is not allowed in a query (queries are read-only)");
}

Value RuntimeHost::get_ent(std::string_view rid, std::string_view name) {
  auto it = ents_.find(std::make_pair(std::string(rid), std::string(name)));
  if (it != ents_.end()) return it->second ? *it->second : Value();
  return pico_.ent(std::string(rid), std::string(name));
}

void RuntimeHost::put_ent(std::string_view rid, std::string_view name, const Value& value) {
  throw_if_read_only("setting an entity variable");
  check_storable_over(get_ent(rid, name), value, "ent:" + std::string(name));
  auto key = std::make_pair(std::string(rid), std::string(name));
  auto [it, fresh] = ents_.insert_or_assign(key, value);
  if (fresh) ent_order_.push_back(key);
}

void RuntimeHost::del_ent(std::string_view rid, std::string_view name) {
  throw_if_read_only("clearing an entity variable");
  auto key = std::make_pair(std::string(rid), std::string(name));
  auto [it, fresh] = ents_.insert_or_assign(key, std::nullopt);
  if (fresh) ent_order_.push_back(key);
}

bool RuntimeHost::get_raw(const std::string& rid, const std::string& key,
                          std::string* value) const {
  auto it = raw_writes_.find(key);
  if (it == raw_writes_.end()) return pico_.read_raw(rid, key, value);
  if (!it->second.value) return false;
  *value = *it->second.value;
  return true;
}

void RuntimeHost::get_raw_range(const std::string& rid, const std::string& begin,
                                const std::string& end, PicoState::RawRange* out) const {
  pico_.read_raw_range(rid, begin, end, out);
  for (auto it = raw_writes_.lower_bound(begin); it != raw_writes_.end() && it->first < end; ++it) {
    (*out)[it->first] = it->second.value;
  }
}

void RuntimeHost::put_raw(const std::string& rid, const std::string& key, std::string value) {
  throw_if_read_only("writing a log");
  raw_writes_[key] = RawWrite{rid, std::move(value)};
}

void RuntimeHost::erase_raw(const std::string& rid, const std::string& key) {
  throw_if_read_only("writing a log");
  raw_writes_[key] = RawWrite{rid, std::nullopt};
}

void RuntimeHost::erase_raw_prefix(const std::string& rid, const std::string& prefix) {
  throw_if_read_only("writing a log");
  for (auto it = raw_writes_.lower_bound(prefix);
       it != raw_writes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = raw_writes_.erase(it);
  }
  raw_erased_prefixes_.emplace_back(rid, prefix);
}

void RuntimeHost::add_to_schedule(std::string rid, krl::CurrentEvent event) {
  if (++scheduled_total > kMaxScheduleLength) {
    throw KrlError("event schedule exceeded " + std::to_string(kMaxScheduleLength) +
                   " entries (a raise loop?)");
  }
  schedule.push_back(Entry{std::move(rid), std::move(event)});
}

void RuntimeHost::raise_event(krl::RaisedEvent ev) {
  throw_if_read_only("raise");
  krl::CurrentEvent e;
  e.eci = event_ ? event_->eci : "[raise]";
  e.eid = event_ ? event_->eid : "";
  e.domain = std::move(ev.domain);
  e.type = std::move(ev.type);
  // cleanEvent: attributes are a map (anything else becomes {}), of what JSON can carry.
  e.attrs = ev.attrs.is_map() ? krl::json_clean(ev.attrs) : Value(Map());
  e.time_ms = services_.now_ms();
  if (episode) record_scheduled(*episode, e, e.time_ms);
  std::vector<std::string> rids;
  if (ev.for_rid) {
    rids.push_back(*ev.for_rid);
  } else {
    rids = installed_rids();
  }
  for (auto& rid : rids) {
    raised.push_back(ScheduledEntry{rid, e.domain, e.type, e.attrs});
    add_to_schedule(std::move(rid), e);
  }
}

void RuntimeHost::declare_event_error(const std::string& message) {
  // As the reference: the schedule stops (the evaluator cleared it) and the
  // raised system:error runs; the event still succeeds with what it did.
  // Noted for whoever waits for the event (ctx:eventWait's failOnError).
  if (!user_error) user_error = message;
}

void RuntimeHost::clear_schedule() {
  schedule.clear();
}

Value RuntimeHost::schedule_event(krl::ScheduledEvent ev) {
  throw_if_read_only("schedule");
  std::string id = services_.new_id();
  std::string eci = ev.eci.empty() && event_ ? event_->eci : ev.eci;
  Value attrs = ev.attrs.is_map() ? krl::json_clean(ev.attrs) : Value(Map());
  Value entry;
  std::optional<std::uint64_t> due;
  if (ev.repeat) {
    // Checked now, not when it first fires: a bad timespec fails the rule.
    std::string why;
    std::string timespec = krl::to_string(ev.timespec);  // as parsed: the timer parses it again
    auto spec = CronSpec::parse(timespec, &why);
    if (!spec) throw KrlError(why, "TypeError");
    if (auto next = spec->next_after(services_.now_ms())) due = static_cast<std::uint64_t>(*next);
    entry = schedule_records::repeat_entry(id, timespec, eci, ev.domain, ev.type, attrs);
  } else {
    // `at` is a time (time:add(time:now(), {...}) gives an ISO string) or
    // milliseconds since the epoch, as the reference's new Date(at).
    double at = 0;
    if (ev.at.is_number()) {
      at = ev.at.as_number();
    } else if (!(ev.at.is_string() &&
                 krl::stdlib::parse_time(ev.at.as_string(), &at,
                                         static_cast<double>(services_.now_ms())))) {
      throw KrlError("schedule .. at expected a timestamp but got " +
                         std::string(krl::type_name(ev.at.type())),
                     "TypeError");
    }
    due = static_cast<std::uint64_t>(std::max(0.0, at));
    entry = schedule_records::at_entry(id, at, eci, ev.domain, ev.type, attrs);
  }
  // As the reference: the entry joins the ruleset's `_schedule` variable (in
  // this transaction, like any entity write), and `setting` binds it.
  Value all = get_ent(rid_, kScheduleVar);
  Map updated = all.is_map() ? all.as_map() : Map();
  if (updated.size() >= services_.max_scheduled_events()) {
    throw KrlError("schedule: " + rid_ + " already has " + std::to_string(updated.size()) +
                       " scheduled events on this pico, the most it may hold "
                       "(max_scheduled_events); remove some first",
                   "RangeError");
  }
  updated.set(id, entry);
  put_ent(rid_, kScheduleVar, Value(std::move(updated)));
  if (due) schedule_records::put_due(&txn_.batch, *due, id, pico_.id(), rid_);
  return entry;
}

Value RuntimeHost::send_directive(std::string_view name, const Value& options) {
  Map meta;
  meta.set("rid", rid_);
  meta.set("rule_name", rule_);
  meta.set("txnId", event_ ? Value(event_->eid) : Value());
  Map d;
  d.set("type", "directive");
  d.set("name", std::string(name));
  d.set("options", options.is_map() ? options : Value(Map()));
  d.set("meta", Value(std::move(meta)));
  Value v(std::move(d));
  directives.push_back(v);
  return v;
}

void RuntimeHost::set_current_rule(std::string_view rid, std::string_view rule_name) {
  rid_ = std::string(rid);
  rule_ = std::string(rule_name);
}

const krl::CurrentEvent* RuntimeHost::current_event() const {
  return event_;
}

const char* level_name(krl::LogLevel level) {
  switch (level) {
    case krl::LogLevel::Debug:
      return "debug";
    case krl::LogLevel::Info:
      return "info";
    case krl::LogLevel::Warn:
      return "warn";
    case krl::LogLevel::Error:
      return "error";
  }
  return "info";
}

void record_scheduled(EpisodeRecorder& episode, const krl::CurrentEvent& e, std::int64_t now_ms,
                      bool with_attrs) {
  Map event{{"eci", Value(e.eci)},
            {"domain", Value(e.domain)},
            {"name", Value(e.type)},
            {"time", Value(static_cast<double>(e.time_ms))}};
  if (with_attrs) event.set("data", Value(Map{{"attrs", e.attrs}}));
  episode.scheduled(now_ms, krl::encode_json(Value(std::move(event))));
}

void RuntimeHost::log(krl::LogLevel level, std::string_view rid, const std::string& message) {
  if (episode) {
    episode->line(services_.now_ms(), level_name(level), message,
                  {{"rid", rid}, {"rule_name", rule_}});
  }
}

std::int64_t RuntimeHost::now_ms() {
  return services_.now_ms();
}

// ---- overlay -------------------------------------------------------------------------------

std::vector<std::string> RuntimeHost::installed_rids() const {
  std::vector<std::string> out;
  for (const auto& i : pico_.installations()) {
    if (!uninstalled_.count(i.rid)) out.push_back(i.rid);
  }
  for (const auto& i : installs_) {
    if (std::find(out.begin(), out.end(), i.rid) == out.end()) out.push_back(i.rid);
  }
  return out;
}

const Installation* RuntimeHost::installation(std::string_view rid) const {
  for (auto it = installs_.rbegin(); it != installs_.rend(); ++it) {
    if (it->rid == rid) return &*it;
  }
  if (uninstalled_.count(std::string(rid))) return nullptr;
  return pico_.installation(rid);
}

Value RuntimeHost::rule_state(const std::string& rid, const std::string& rule) {
  auto it = rule_states_.find({rid, rule});
  if (it != rule_states_.end()) return it->second;
  return pico_.rule_state(rid, rule);
}

void RuntimeHost::set_rule_state(const std::string& rid, const std::string& rule, Value state) {
  rule_states_[{rid, rule}] = std::move(state);
}

bool RuntimeHost::has_channel(const std::string& eci) const {
  auto w = channel_writes_.find(eci);
  if (w != channel_writes_.end()) return w->second.has_value();
  return pico_.channel(eci) != nullptr;
}

std::vector<ChannelRecord> RuntimeHost::channels() const {
  std::vector<ChannelRecord> out;
  for (const ChannelRecord* c : pico_.channels_in_order()) {
    if (!channel_writes_.count(c->eci)) out.push_back(*c);
  }
  for (const auto& [eci, c] : channel_writes_) {
    if (c) out.push_back(*c);
  }
  std::stable_sort(out.begin(), out.end(), [](const ChannelRecord& a, const ChannelRecord& b) {
    return a.order < b.order;
  });
  return out;
}

std::vector<ChannelRecord> RuntimeHost::channels_tagged(std::vector<std::string> tags) const {
  std::vector<ChannelRecord> out;
  for (const ChannelRecord* c : pico_.channels_with_tags(tags)) {
    if (!channel_writes_.count(c->eci)) out.push_back(*c);
  }
  std::sort(tags.begin(), tags.end());
  for (const auto& [eci, c] : channel_writes_) {
    if (!c || c->tags.size() != tags.size()) continue;
    std::vector<std::string> have = c->tags;
    std::sort(have.begin(), have.end());
    if (have == tags) out.push_back(*c);
  }
  std::stable_sort(out.begin(), out.end(), [](const ChannelRecord& a, const ChannelRecord& b) {
    return a.order < b.order;
  });
  return out;
}

std::int64_t RuntimeHost::next_channel_order() const {
  std::int64_t n = pico_.next_channel_order();
  for (const auto& [eci, c] : channel_writes_) {
    if (c) n = std::max(n, c->order + 1);
  }
  return n;
}

std::vector<std::string> RuntimeHost::children() const {
  std::vector<std::string> out;
  for (std::string& eci : pico_.children_in_order()) {
    if (!removed_children_.count(eci)) out.push_back(std::move(eci));
  }
  for (const auto& [eci, order] : added_children_) {
    if (!removed_children_.count(eci)) out.push_back(eci);
  }
  return out;
}

bool RuntimeHost::has_child(const std::string& eci) const {
  if (removed_children_.count(eci)) return false;
  if (pico_.has_child(eci)) return true;
  for (const auto& [e, order] : added_children_) {
    if (e == eci) return true;
  }
  return false;
}

void RuntimeHost::add_child(const std::string& eci) {
  throw_if_read_only("adding a child");
  std::int64_t order = pico_.next_child_order();
  if (!added_children_.empty()) order = std::max(order, added_children_.back().second + 1);
  removed_children_.erase(eci);
  added_children_.emplace_back(eci, order);
}

void RuntimeHost::remove_child(const std::string& eci) {
  throw_if_read_only("removing a child");
  removed_children_.insert(eci);
}

std::optional<ChannelRecord> RuntimeHost::channel(const std::string& eci) const {
  auto w = channel_writes_.find(eci);
  if (w != channel_writes_.end()) return w->second;
  const ChannelRecord* c = pico_.channel(eci);
  if (!c) return std::nullopt;
  return *c;
}

void RuntimeHost::put_channel(ChannelRecord c) {
  throw_if_read_only("changing a channel");
  std::string eci = c.eci;
  channel_writes_[eci] = std::move(c);
}

void RuntimeHost::del_channel(const std::string& eci) {
  throw_if_read_only("deleting a channel");
  channel_writes_[eci] = std::nullopt;
}

void RuntimeHost::install(Installation inst) {
  throw_if_read_only("install");
  uninstalled_.erase(inst.rid);
  installs_.erase(std::remove_if(installs_.begin(), installs_.end(),
                                 [&](const Installation& i) { return i.rid == inst.rid; }),
                  installs_.end());
  installs_.push_back(std::move(inst));
}

void RuntimeHost::uninstall(const std::string& rid) {
  throw_if_read_only("uninstall");
  installs_.erase(std::remove_if(installs_.begin(), installs_.end(),
                                 [&](const Installation& i) { return i.rid == rid; }),
                  installs_.end());
  uninstalled_.insert(rid);
}

std::vector<std::pair<std::pair<std::string, std::string>, Value>> RuntimeHost::ent_log() const {
  std::vector<std::pair<std::pair<std::string, std::string>, Value>> out;
  for (const auto& key : ent_order_) {
    const auto& v = ents_.at(key);
    out.emplace_back(key, v ? *v : Value());
  }
  return out;
}

void RuntimeHost::commit() {
  namespace records = pico_records;
  store::WriteBatch* batch = &txn_.batch;
  const std::string& pid = pico_.id();
  // Structure first, so an uninstall's cleanup below wins over earlier writes.
  std::int64_t written_order = 0;  // above every channel written here
  for (auto& [eci, c] : channel_writes_) {
    if (c) {
      written_order = std::max(written_order, c->order + 1);
      records::put_channel(batch, *c);
      txn_.channel_changes.emplace_back(eci, *c);
      pico_.put_channel(*c);
    } else {
      records::erase_channel(batch, pid, eci);
      txn_.channel_changes.emplace_back(eci, std::nullopt);
      pico_.erase_channel(eci);
    }
  }
  std::int64_t added_order = 0;  // above every child added here
  for (const auto& [eci, order] : added_children_) {
    if (removed_children_.count(eci)) continue;
    added_order = std::max(added_order, order + 1);
    records::put_child(batch, pid, eci, order);
    pico_.add_child(eci, order);
  }
  // The pico record keeps the next channel and child orders, so a load need
  // not read every channel and child to know them (pico_state.h).
  const PicoRecord& kept = pico_.record();
  const bool channels_ahead =
      written_order > 0 && (!kept.next_channel_order || *kept.next_channel_order < written_order);
  const bool children_ahead =
      added_order > 0 && (!kept.next_child_order || *kept.next_child_order < added_order);
  if (channels_ahead || children_ahead) {
    pico_.mutable_record().next_channel_order = pico_.next_channel_order();
    pico_.mutable_record().next_child_order = pico_.next_child_order();
    records::put_pico(batch, pid, pico_.record());
  }
  for (const std::string& eci : removed_children_) {
    records::erase_child(batch, pid, eci);
    pico_.remove_child(eci);
  }
  for (const auto& [key, v] : ents_) {
    if (uninstalled_.count(key.first)) continue;
    const std::string& rid = key.first;
    entity_records::StoredEnt stored = entity_records::write(
        batch, pid, rid, key.second, pico_.stored_ent(rid, key.second), v ? *v : Value(),
        [&](const std::string& entry, std::string* raw) { return pico_.read_raw(rid, entry, raw); },
        [&](const std::string& entry, std::optional<std::string> raw) {
          pico_.put_pending_raw(rid, entry, std::move(raw));
        });
    pico_.set_ent_cache(rid, key.second, std::move(stored));
  }
  for (const auto& [key, state] : rule_states_) {
    if (uninstalled_.count(key.first)) continue;
    if (state.is_null()) {
      records::erase_rule_state(batch, pid, key.first, key.second);
    } else {
      records::put_rule_state(batch, pid, key.first, key.second, SelectWhen::encode_record(state));
    }
    pico_.set_rule_state_cache(key.first, key.second, state);
  }
  for (const auto& [rid, prefix] : raw_erased_prefixes_) {
    if (!uninstalled_.count(rid)) batch->erase_prefix(prefix);
  }
  for (auto& [key, w] : raw_writes_) {
    if (uninstalled_.count(w.rid)) continue;
    if (w.value) {
      batch->put(key, *w.value);
    } else {
      batch->erase(key);
    }
    pico_.put_pending_raw(w.rid, key, std::move(w.value));
  }
  for (const std::string& rid : uninstalled_) {
    // Entity variables, rule states and logs go with the ruleset, as the reference.
    records::erase_installation(batch, pid, rid);
    pico_.uninstall(rid);
  }
  for (auto& inst : installs_) {
    records::put_installation(batch, pid, inst.rid, inst.record);
    pico_.install_ready(std::move(inst));
  }
}

}  // namespace spime::runtime
