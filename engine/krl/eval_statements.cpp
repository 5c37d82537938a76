// Postlude statements: entity variables, raise, schedule, log, error, last.
#include <string>

#include "engine/krl/eval_stmt_nodes.h"

namespace spime::krl::detail {
namespace {

Host& host_of(Env& env, Loc loc, const char* what) {
  if (!env.ctx.host) throw_at(loc, std::string(what) + " is not available outside a pico");
  return *env.ctx.host;
}

// "domain:type" with whitespace removed; the type may itself contain ':'.
void split_domain_type(const Value& v, std::string* domain, std::string* type) {
  std::string s;
  for (char c : to_string(v)) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') s += c;
  }
  size_t colon = s.find(':');
  *domain = s.substr(0, colon);
  *type = colon == std::string::npos ? std::string() : s.substr(colon + 1);
}

// Elements of a map or array at its top level (0 for other values): the work
// of copying it to change one path in it.
std::size_t top_level_size(const Value& v) {
  if (v.is_map()) return v.as_map().size();
  if (v.is_array()) return v.as_array().size();
  return 0;
}

}  // namespace

void exec_block(const std::vector<StmtPtr>& block, Env& env) {
  for (const auto& s : block) {
    s->exec(env);
    if (env.rule && env.rule->stop) return;
  }
}

void DeclStmt::exec(Env& env) const {
  env.frame->slots[static_cast<size_t>(slot)] = value->eval(env);
}

void ExprStmt::exec(Env& env) const {
  value->eval(env);
}

void EntAssignStmt::exec(Env& env) const {
  Host& host = host_of(env, loc, "ent:");
  Value v = value->eval(env);
  if (path) {
    Value p = path->eval(env);
    Value cur = host.get_ent(env.unit->rid, var);
    env.ctx.charge(top_level_size(cur));  // path_set copies it, put_ent checks it
    host.put_ent(env.unit->rid, var, path_set(cur, path_keys(p), v));
  } else {
    host.put_ent(env.unit->rid, var, v);
  }
}

void EntClearStmt::exec(Env& env) const {
  Host& host = host_of(env, loc, "ent:");
  if (path) {
    Value p = path->eval(env);
    Value cur = host.get_ent(env.unit->rid, var);
    env.ctx.charge(top_level_size(cur));
    host.put_ent(env.unit->rid, var, path_delete(cur, path_keys(p)));
  } else {
    host.del_ent(env.unit->rid, var);
  }
}

void RaiseStmt::exec(Env& env) const {
  RaisedEvent ev;
  if (domain_and_type) {
    split_domain_type(domain_and_type->eval(env), &ev.domain, &ev.type);
  } else {
    ev.domain = domain;
    ev.type = to_string(type->eval(env));
  }
  if (for_rid) {
    Value r = for_rid->eval(env);
    if (!r.is_null()) ev.for_rid = to_string(r);
  }
  if (attrs) ev.attrs = attrs->eval(env);
  host_of(env, loc, "raise").raise_event(std::move(ev));
}

void ScheduleStmt::exec(Env& env) const {
  ScheduledEvent ev;
  Host& host = host_of(env, loc, "schedule");
  if (const CurrentEvent* cur = host.current_event()) ev.eci = cur->eci;
  if (domain_and_type) {
    split_domain_type(domain_and_type->eval(env), &ev.domain, &ev.type);
  } else {
    ev.domain = domain;
    ev.type = to_string(type->eval(env));
  }
  if (attrs) ev.attrs = attrs->eval(env);
  if (at) {
    ev.at = at->eval(env);
  } else {
    ev.repeat = true;
    ev.timespec = timespec->eval(env);
  }
  Value id = host.schedule_event(std::move(ev));
  if (setting_slot >= 0) env.frame->slots[static_cast<size_t>(setting_slot)] = std::move(id);
}

void LogStmt::exec(Env& env) const {
  Value v = value->eval(env);
  std::string msg = v.is_string() ? v.as_string() : encode_json(v);
  if (env.ctx.host) {
    env.ctx.host->log(level, env.unit->rid, msg);
  } else if (env.ctx.log) {
    env.ctx.log(level, msg);
  }
}

void ErrorStmt::exec(Env& env) const {
  Value data = value->eval(env);
  Host& host = host_of(env, loc, "error");
  const std::string& rid = env.unit->rid;
  Map attrs{{"level", level},
            {"data", data},
            {"rid", rid},
            {"rule_name", env.rule ? Value(std::string(env.rule->rule_name)) : Value()},
            {"genus", "user"}};
  if (level == "error") {
    // As the reference: stop selecting rules, drop raised events, then raise.
    host.stop_rule_selection();
    host.clear_schedule();
  }
  host.raise_event(RaisedEvent{"system", "error", Value(std::move(attrs)), rid});
  if (level == "error") host.declare_event_error(to_string(data));
  if (level == "error" && env.rule) {
    env.rule->stop = true;
    env.rule->last = true;
  }
}

void LastStmt::exec(Env& env) const {
  if (env.ctx.host) env.ctx.host->stop_rule_selection();
  if (env.rule) {
    env.rule->stop = true;
    env.rule->last = true;
  }
}

void GuardedStmt::exec(Env& env) const {
  bool run;
  if (condition) {
    run = truthy(condition->eval(env));
  } else {
    // on final: outside a foreach always; inside, on the last item of every loop.
    run = !env.rule || env.rule->foreach_depth == 0 || env.rule->foreach_final;
  }
  if (run) statement->exec(env);
}

}  // namespace spime::krl::detail
