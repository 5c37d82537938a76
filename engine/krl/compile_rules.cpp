// Compiling rules: select trees, foreach, pre, action block and postlude.
#include <cmath>
#include <string>

#include "engine/krl/compile_scope.h"
#include "engine/krl/eval_stmt_nodes.h"
#include "engine/krl/regexp.h"

namespace spime::krl::detail {
namespace {

double within_multiplier(std::string unit) {
  if (!unit.empty() && (unit.back() == 's' || unit.back() == 'S')) unit.pop_back();
  if (unit == "second") return 1000;
  if (unit == "minute") return 60e3;
  if (unit == "hour") return 3600e3;
  if (unit == "day") return 86400e3;
  if (unit == "week") return 7 * 86400e3;
  if (unit == "month") return 30 * 86400e3;
  if (unit == "year") return 365 * 86400e3;
  return 1;
}

LogLevel log_level(const std::string& l) {
  if (l == "error") return LogLevel::Error;
  if (l == "warn") return LogLevel::Warn;
  if (l == "debug") return LogLevel::Debug;
  return LogLevel::Info;
}

}  // namespace

void Compiler::select(const ast::EventExpr& e, RuleCode* code, SelectTree* out,
                      const ast::EventAggregator* aggregator) {
  out->kind = e.kind;
  out->loc = e.loc;
  out->n = e.n;
  auto add_var = [&](const std::string& name, Annotation a) {
    int slot = declare(name, TypeInfo{a, {}});
    code->select_vars.emplace_back(name, slot);
    return slot;
  };
  if (e.kind != ast::EventExpr::Kind::Event) {
    // The parser keeps a count/repeat aggregator on the group; the reference
    // compiles it into the grouped event, which must be a single leaf.
    const ast::EventAggregator* group_agg = nullptr;
    if (e.aggregator) {
      out->aggregator = SelectTree::Aggregator{e.aggregator->op, e.aggregator->args};
      if (e.args.size() != 1 || e.args[0]->kind != ast::EventExpr::Kind::Event ||
          e.args[0]->aggregator) {
        error(e.aggregator->loc, "An aggregator needs a single event expression");
      } else {
        group_agg = &*e.aggregator;
      }
    }
    for (const auto& a : e.args) {
      out->args.emplace_back();
      select(*a, code, &out->args.back(), group_agg);
    }
    if (group_agg) out->aggregator_leaf = out->args[0].leaf;
    return;
  }
  out->domain = e.domain;
  out->type = e.type;
  out->leaf = static_cast<int>(code->leaves.size());
  code->leaves.emplace_back();
  testing.add(e.domain, e.type);
  LeafCode leaf;
  for (const auto& a : e.attrs) {
    testing.add_attr(a.key);
    try {
      leaf.attrs.push_back({a.key, Value(make_regexp(a.regex_source, a.regex_flags))});
    } catch (const KrlError& err) {
      error(a.loc, err.message());
    }
  }
  out->setting = e.setting;
  // The reference types setting variables as strings: `v()` is "Not a function: String".
  for (const auto& s : e.setting) leaf.setting.emplace_back(s, add_var(s, Annotation::String));
  // As the reference: `where` sees the setting vars, not the aggregator's.
  if (e.where) leaf.where = expr(*e.where);
  if (e.aggregator) {
    out->aggregator = SelectTree::Aggregator{e.aggregator->op, e.aggregator->args};
    aggregator = &*e.aggregator;
  }
  if (aggregator) {
    for (const auto& name : aggregator->args) {
      leaf.aggregate.emplace_back(name, add_var(name, Annotation::Unknown));
    }
  }
  out->needs_matcher =
      !e.attrs.empty() || !e.setting.empty() || e.where != nullptr || aggregator != nullptr;
  code->leaves[static_cast<size_t>(out->leaf)] = std::move(leaf);
}

void Compiler::select_where(const ast::Expr& where, RuleCode* code, SelectTree* out) {
  out->kind = ast::EventExpr::Kind::Event;
  out->loc = where.loc;
  out->domain = "*";
  out->type = "*";
  out->leaf = static_cast<int>(code->leaves.size());
  out->needs_matcher = true;
  code->leaves.emplace_back();
  code->leaves.back().where = expr(where);
}

StmtPtr Compiler::statement(const ast::Statement& s) {
  using K = ast::Statement::Kind;
  switch (s.kind) {
    case K::Declaration: {
      if (s.name == "null") error(s.loc, "Cannot declare: null");
      // A function is named before its body compiles (for recursion).
      if (s.value->kind == ast::ExprKind::Function) declare(s.name);
      NodePtr v = s.value->kind == ast::ExprKind::Function
                      ? function(static_cast<const ast::Function&>(*s.value), s.name)
                      : expr(*s.value);
      return std::make_unique<DeclStmt>(s.loc, declare(s.name, type_of(*s.value)), std::move(v));
    }
    case K::Expression:
      return std::make_unique<ExprStmt>(s.loc, expr(*s.value));
    case K::EntAssign: {
      if (s.domain != "ent") {
        error(s.loc, "PersistentVariableAssignment - only works on ent:* variables");
      }
      auto st = std::make_unique<EntAssignStmt>(s.loc);
      st->var = s.var;
      if (s.path) st->path = expr(*s.path);
      st->value = expr(*s.value);
      return st;
    }
    case K::EntClear: {
      if (s.domain != "ent") {
        error(s.loc, "ClearPersistentVariable only works for `ent:`, not `" + s.domain + ":`");
      }
      auto st = std::make_unique<EntClearStmt>(s.loc);
      st->var = s.var;
      if (s.path) st->path = expr(*s.path);
      return st;
    }
    case K::Raise: {
      auto st = std::make_unique<RaiseStmt>(s.loc);
      st->domain = s.event_domain;
      if (s.event_domain_and_type) st->domain_and_type = expr(*s.event_domain_and_type);
      if (s.event_type) st->type = expr(*s.event_type);
      if (s.for_rid) {
        // The reference compiles nothing of `for <rids>` (and ignores it):
        // a problem there fails the raise when it runs, not the ruleset.
        std::string problem = quietly([&] { st->for_rid = expr(*s.for_rid); });
        if (!problem.empty()) {
          warning(s.for_rid->loc, problem);
          st->for_rid = std::make_unique<FailNode>(s.for_rid->loc, problem);
        }
      }
      if (s.value) st->attrs = expr(*s.value);
      if (!st->domain_and_type && !st->type) error(s.loc, "raise needs an event type");
      return st;
    }
    case K::Schedule: {
      auto st = std::make_unique<ScheduleStmt>(s.loc);
      st->domain = s.event_domain;
      if (s.event_domain_and_type) st->domain_and_type = expr(*s.event_domain_and_type);
      if (s.event_type) st->type = expr(*s.event_type);
      if (s.value) st->attrs = expr(*s.value);
      if (s.at) st->at = expr(*s.at);
      if (s.timespec) st->timespec = expr(*s.timespec);
      if (!st->at && !st->timespec) error(s.loc, "schedule needs `at` or `repeat`");
      if (!st->domain_and_type && !st->type) error(s.loc, "schedule needs an event type");
      if (!s.setting.empty()) st->setting_slot = declare(s.setting);
      return st;
    }
    case K::Log:
      return std::make_unique<LogStmt>(s.loc, log_level(s.level), expr(*s.value));
    case K::Error:
      return std::make_unique<ErrorStmt>(s.loc, s.level, expr(*s.value));
    case K::Last:
      return std::make_unique<LastStmt>(s.loc);
    case K::Guarded: {
      auto st = std::make_unique<GuardedStmt>(s.loc);
      if (s.condition) st->condition = expr(*s.condition);
      st->statement = statement(*s.statement);
      return st;
    }
  }
  error(s.loc, "Unsupported statement");
  return std::make_unique<ExprStmt>(s.loc, std::make_unique<ConstNode>(s.loc, Value()));
}

void Compiler::rule(const ast::Rule& r, RuleInfo* info, RuleCode* code) {
  info->name = r.name;
  info->loc = r.loc;
  info->active = r.active;
  code->name = r.name;
  if (!r.active) return;  // the reference compiles nothing of an inactive rule
  if (!r.select && !r.select_where) {
    error(r.loc, "rule " + r.name + " is missing a `select`");
    return;
  }
  push_frame();
  testing.rule = &r.name;
  info->select.emplace();
  if (r.select) {
    select(*r.select, code, &*info->select);
  } else {
    select_where(*r.select_where, code, &*info->select);
  }
  if (r.within) {
    double mult = within_multiplier(r.within->unit);
    NodePtr amount = expr(*r.within->amount);
    if (const Value* c = amount->constant(); c && c->is_number()) {
      info->within_ms = static_cast<std::int64_t>(std::llround(c->as_number() * mult));
    } else {
      info->within_is_dynamic = true;
      code->within_amount = std::move(amount);
      code->within_multiplier = mult;
    }
  }
  // The reference compiles the foreach expressions last, when the whole rule
  // body (pre, actions, postlude) is in scope. So the checks are made there;
  // but where an expression compiles in its own place, before its setting
  // variables, that code is kept (what it names exists when it runs).
  std::vector<NodePtr> in_place(r.foreach.size());
  std::vector<bool> clean(r.foreach.size());
  for (size_t i = 0; i < r.foreach.size(); ++i) {
    const ast::ForEach& f = r.foreach[i];
    clean[i] = quietly([&] { in_place[i] = expr(*f.expression); }).empty();
    ForEachCode fc;
    fc.loc = f.loc;
    for (const auto& s : f.setting) fc.setting_slots.push_back(declare(s));
    code->foreach.push_back(std::move(fc));
  }
  code->pre = declarations(r.pre);
  if (r.action_block) code->action_block = action_block(*r.action_block);
  if (r.postlude) {
    for (const auto& s : r.postlude->fired) code->fired.push_back(statement(*s));
    for (const auto& s : r.postlude->notfired) code->notfired.push_back(statement(*s));
    for (const auto& s : r.postlude->always) code->always.push_back(statement(*s));
  }
  for (size_t i = 0; i < r.foreach.size(); ++i) {
    NodePtr last = expr(*r.foreach[i].expression);
    code->foreach[i].expression = clean[i] ? std::move(in_place[i]) : std::move(last);
  }
  testing.rule = nullptr;
  code->nslots = pop_frame();
}

}  // namespace spime::krl::detail
