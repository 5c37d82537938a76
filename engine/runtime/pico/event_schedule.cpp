#include "engine/runtime/pico/event_schedule.h"

#include <algorithm>

#include "engine/krl/error.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/select_when/select_bridge.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::runtime {

using krl::KrlError;
using krl::Map;
using krl::Value;

namespace {

std::string where(const std::string& rid, const std::string& rule, const KrlError& e) {
  std::string out = rid;
  if (!rule.empty()) out += " rule " + rule;
  if (e.loc().line)
    out += " at " + std::to_string(e.loc().line) + ":" + std::to_string(e.loc().col);
  out += ": ";
  if (e.kind() != "Error") out += e.kind() + ": ";
  return out + e.message();
}

// Runs one (rid, event) entry of the schedule: the ruleset's rules in order.
void run_entry(RuntimeHost& host, const RuntimeHost::Entry& entry, krl::EvalContext& ctx) {
  const Installation* inst = host.installation(entry.rid);
  if (!inst) return;  // raised `for` a rid that is not installed: nothing to do
  // Most events concern few of a pico's rulesets (the system rulesets name
  // their own domains only): skip the others without looking at each rule.
  if (!inst->select->names_domain(entry.event.domain)) return;
  // Keep the instance alive even if a rule uninstalls its own ruleset.
  auto instance = inst->instance;
  std::shared_ptr<const RuleSelects> select = inst->select;
  const auto& rules = instance->program().rules();
  SelectEvent se{entry.event.domain, entry.event.type, entry.event.attrs, entry.event.time_ms};
  host.set_event(&entry.event);
  for (size_t i = 0; i < rules.size(); ++i) {
    const SelectWhen* sw = select->at(i);
    if (!sw || !sw->salient(se.domain, se.name)) continue;
    host.set_current_rule(entry.rid, rules[i].name);
    host.at_rid = entry.rid;
    host.at_rule = rules[i].name;
    SelectWhen::Result r;
    {
      LeafEvalScope scope(*instance, ctx);
      r = sw->feed(se, sw->stateful() ? host.rule_state(entry.rid, rules[i].name) : Value());
    }
    if (r.state_changed) host.set_rule_state(entry.rid, rules[i].name, r.new_state);
    if (!r.selected) continue;
    if (host.episode) {
      host.episode->rule_selected(host.now_ms(), entry.rid, rules[i].name);
    }
    krl::RuleOutcome out = instance->run_rule(i, r.bindings, ctx);
    if (host.episode) {
      host.episode->rule_ran(host.now_ms(), out.fired);
    }
    bool last = host.take_last() || out.last;
    if (last) break;
  }
  host.set_current_rule(entry.rid, "");
  host.at_rule.clear();
}

// A scheduled event fires only while its entry exists (schedule:remove may
// have run since the timer saw it due); an "at" entry goes as it fires.
bool take_schedule_entry(RuntimeHost& host, const ScheduleFiring& f) {
  Value all = host.get_ent(f.rid, kScheduleVar);
  const Value* entry = all.is_map() ? all.as_map().find(f.id) : nullptr;
  if (!entry) return false;
  if (!schedule_records::is_repeat(*entry)) {
    Map rest = all.as_map();
    rest.erase(f.id);
    host.put_ent(f.rid, kScheduleVar, Value(std::move(rest)));
  }
  return true;
}

// klog's text is "<message> <value as JSON>": the value is the longest suffix after a space
// that is JSON (a message may hold spaces; the value's text never ends before the end).
void record_log(EpisodeRecorder& episode, RuntimeHost& host, krl::LogLevel level,
                const std::string& text) {
  const std::int64_t now = host.now_ms();
  const std::string& rid = host.current_rid();
  const std::string& rule = host.current_rule();
  if (level != krl::LogLevel::Info) {
    return episode.line(now, level_name(level), text, {{"rid", rid}, {"rule_name", rule}});
  }
  for (size_t sp = text.find(' '); sp != std::string::npos; sp = text.find(' ', sp + 1)) {
    Value v;
    std::string err;
    if (krl::parse_json(std::string_view(text).substr(sp + 1), &v, &err)) {
      return episode.line(now, "klog", std::string_view(text).substr(0, sp),
                          {{"rid", rid}, {"rule_name", rule}}, "val",
                          std::string_view(text).substr(sp + 1));
    }
  }
  episode.line(now, "klog", text, {{"rid", rid}, {"rule_name", rule}});
}

// An evaluation the engine interrupted (it is stopping): not the rules' fault, and nothing of it
// is written; the sender may try again (an outbox does, on 503).
api::Status interrupted_status() {
  return api::Status::unavailable("engine shutting down: the evaluation was interrupted");
}

}  // namespace

EventOutcome run_event(PicoState& pico, const IncomingEvent& event, Services& services,
                       Transaction& txn, EpisodeRecorder* episode) {
  EventOutcome out;
  RuntimeHost host(pico, services, txn, nullptr);
  krl::EvalContext ctx;
  ctx.limits = services.limits();
  ctx.interrupt = services.interrupt();
  // Past its budget the schedule throws a KrlError naming it: a rule error
  // like any other (500), nothing written (limits.h says why not 503).
  ctx.start_budget(services.event_budget());
  ctx.host = &host;
  host.episode = episode;
  if (episode) {
    ctx.log = [episode, &host](krl::LogLevel level, const std::string& text) {
      record_log(*episode, host, level, text);
    };
  }
  krl::CurrentEvent first;
  first.eci = event.eci;
  first.eid = event.eid;
  first.domain = event.domain;
  first.type = event.name;
  first.attrs = event.attrs.is_map() ? event.attrs : Value(krl::Map());
  first.time_ms = event.time_ms;
  try {
    if (event.firing && !take_schedule_entry(host, *event.firing)) return out;  // removed
    if (episode) record_scheduled(*episode, first, host.now_ms(), /*with_attrs=*/false);
    for (std::string& rid : host.installed_rids()) host.add_to_schedule(std::move(rid), first);
    while (!host.schedule.empty()) {
      RuntimeHost::Entry entry = std::move(host.schedule.front());
      host.schedule.pop_front();
      run_entry(host, entry, ctx);
    }
  } catch (const KrlError& e) {
    out.status = ctx.interrupted() ? interrupted_status()
                                   : api::Status::rule_error(where(host.at_rid, host.at_rule, e));
    return out;
  } catch (const std::exception& e) {
    out.status = api::Status::internal(host.at_rid + ": internal error: " + e.what());
    return out;
  }
  host.commit();
  out.directives = std::move(host.directives);
  out.raised = std::move(host.raised);
  out.user_error = std::move(host.user_error);
  out.entvars = host.ent_log();
  return out;
}

api::Result<Value> run_query(PicoState& pico, const QueryCall& q, Services& services,
                             Transaction& txn, EpisodeRecorder* episode) {
  QueryInfo info{q.eci, q.rid, q.name, q.args};
  RuntimeHost host(pico, services, txn, &info);
  const Installation* inst = pico.installation(q.rid);
  if (!inst) return api::Status::not_found("Pico doesn't have " + q.rid + " installed.");
  const auto& shares = inst->ruleset->program->meta().shares;
  // The reference answers `__testing` whether it is shared or not.
  if (q.name != "__testing" && std::find(shares.begin(), shares.end(), q.name) == shares.end()) {
    return api::Status::not_found("Ruleset " + q.rid + " does not have query function \"" + q.name +
                                  "\"");
  }
  krl::EvalContext ctx;
  ctx.limits = services.limits();
  ctx.interrupt = services.interrupt();
  ctx.start_budget(services.query_budget());
  ctx.host = &host;
  if (episode) {
    ctx.log = [episode, &host](krl::LogLevel level, const std::string& text) {
      record_log(*episode, host, level, text);
    };
  }
  host.set_current_rule(q.rid, "");
  try {
    krl::Args named;
    for (const auto& [k, v] : q.args) named.named.emplace_back(k, v);
    return inst->instance->query(q.name, named, ctx);
  } catch (const KrlError& e) {
    if (ctx.interrupted()) return interrupted_status();
    return api::Status::rule_error(where(q.rid, "", e));
  } catch (const std::exception& e) {
    return api::Status::internal(q.rid + ": internal error: " + e.what());
  }
}

}  // namespace spime::runtime
