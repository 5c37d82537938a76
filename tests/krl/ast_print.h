// Test helper: renders KRL AST nodes as compact S-expressions so parser
// tests can state the expected tree in one line.
#pragma once

#include <cstdio>
#include <string>

#include "engine/krl/ast.h"

namespace spime::krl::test {

inline std::string print(const ast::Expr* e);
inline std::string print(const ast::EventExpr* e);
inline std::string print(const ast::Statement* s);
inline std::string print(const ast::ActionBlock& b);

inline std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

inline std::string print_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

inline std::string print_args(const std::vector<ast::Argument>& args) {
  std::string out;
  for (const auto& a : args) {
    out += " ";
    if (a.name) out += *a.name + "=";
    out += print(a.value.get());
  }
  return out;
}

inline std::string print_params(const std::vector<ast::Parameter>& params) {
  std::string out = "(";
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += " ";
    out += params[i].name;
    if (params[i].default_value) out += "=" + print(params[i].default_value.get());
  }
  return out + ")";
}

inline std::string print_decls(const std::vector<ast::Declaration>& decls) {
  std::string out;
  for (const auto& d : decls) out += " (= " + d.name + " " + print(d.value.get()) + ")";
  return out;
}

inline std::string print_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out;
}

inline std::string print(const ast::Expr* e) {
  using K = ast::ExprKind;
  if (!e) return "<null>";
  switch (e->kind) {
    case K::Null:
      return "null";
    case K::Boolean:
      return static_cast<const ast::BooleanLit*>(e)->value ? "true" : "false";
    case K::Number:
      return print_number(static_cast<const ast::NumberLit*>(e)->value);
    case K::String:
      return quote(static_cast<const ast::StringLit*>(e)->value);
    case K::Chevron: {
      std::string out = "(<<";
      for (const auto& p : static_cast<const ast::Chevron*>(e)->parts) out += " " + print(p.get());
      return out + ")";
    }
    case K::RegExp: {
      auto* r = static_cast<const ast::RegExpLit*>(e);
      return "re#" + r->source + "#" + r->flags;
    }
    case K::Identifier:
      return static_cast<const ast::Identifier*>(e)->name;
    case K::DomainIdentifier: {
      auto* d = static_cast<const ast::DomainIdentifier*>(e);
      return d->domain + ":" + d->name;
    }
    case K::Array: {
      std::string out = "[";
      const auto& items = static_cast<const ast::ArrayLit*>(e)->items;
      for (std::size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + print(items[i].get());
      return out + "]";
    }
    case K::Map: {
      std::string out = "{";
      const auto& entries = static_cast<const ast::MapLit*>(e)->entries;
      for (std::size_t i = 0; i < entries.size(); ++i) {
        out += (i ? ", " : "") + quote(entries[i].key) + ": " + print(entries[i].value.get());
      }
      return out + "}";
    }
    case K::Infix: {
      auto* x = static_cast<const ast::Infix*>(e);
      return "(" + x->op + " " + print(x->left.get()) + " " + print(x->right.get()) + ")";
    }
    case K::Unary: {
      auto* x = static_cast<const ast::Unary*>(e);
      return "(" + x->op + " " + print(x->arg.get()) + ")";
    }
    case K::Conditional: {
      auto* x = static_cast<const ast::Conditional*>(e);
      return "(?: " + print(x->test.get()) + " " + print(x->consequent.get()) + " " +
             print(x->alternate.get()) + ")";
    }
    case K::Member: {
      auto* x = static_cast<const ast::Member*>(e);
      const char* m = x->method == ast::Member::Method::Dot    ? "."
                      : x->method == ast::Member::Method::Path ? "path"
                                                               : "index";
      return std::string("(") + m + " " + print(x->object.get()) + " " + print(x->property.get()) +
             ")";
    }
    case K::Application: {
      auto* x = static_cast<const ast::Application*>(e);
      return "(call " + print(x->callee.get()) + print_args(x->args) + ")";
    }
    case K::Function: {
      auto* x = static_cast<const ast::Function*>(e);
      return "(fn " + print_params(x->params) + print_decls(x->body) + " " +
             print(x->result.get()) + ")";
    }
    case K::DefAction: {
      auto* x = static_cast<const ast::DefAction*>(e);
      std::string out = "(defaction " + print_params(x->params) + print_decls(x->body) + " " +
                        print(x->action_block);
      for (const auto& r : x->returns) out += " (return " + print(r.get()) + ")";
      return out + ")";
    }
  }
  return "?";
}

inline std::string print(const ast::Action& a) {
  std::string out = "(";
  if (a.label) out += *a.label + " => ";
  out += print(a.callee.get()) + print_args(a.args);
  if (!a.setting.empty()) out += " setting(" + print_list(a.setting) + ")";
  return out + ")";
}

inline std::string print(const ast::ActionBlock& b) {
  using T = ast::ActionBlock::Type;
  std::string out = b.type == T::Every ? "(every" : b.type == T::Sample ? "(sample" : "(choose";
  if (b.condition) out += " if " + print(b.condition.get());
  if (b.discriminant) out += " on " + print(b.discriminant.get());
  for (const auto& a : b.actions) out += " " + print(a);
  return out + ")";
}

inline std::string print(const ast::EventExpr* e) {
  using K = ast::EventExpr::Kind;
  if (!e) return "<null>";
  std::string out;
  switch (e->kind) {
    case K::Event:
      out = "(ev " + e->domain + " " + e->type;
      for (const auto& m : e->attrs)
        out += " " + m.key + "~re#" + m.regex_source + "#" + m.regex_flags;
      if (e->where) out += " where " + print(e->where.get());
      if (!e->setting.empty()) out += " setting(" + print_list(e->setting) + ")";
      return out + ")";
    case K::Or:
      out = "(or";
      break;
    case K::And:
      out = "(and";
      break;
    case K::Before:
      out = "(before";
      break;
    case K::Then:
      out = "(then";
      break;
    case K::After:
      out = "(after";
      break;
    case K::Between:
      out = "(between";
      break;
    case K::NotBetween:
      out = "(not-between";
      break;
    case K::Any:
      out = "(any " + std::to_string(e->n);
      break;
    case K::Count:
      out = "(count " + std::to_string(e->n);
      break;
    case K::Repeat:
      out = "(repeat " + std::to_string(e->n);
      break;
  }
  for (const auto& a : e->args) out += " " + print(a.get());
  if (e->aggregator) out += " " + e->aggregator->op + "(" + print_list(e->aggregator->args) + ")";
  return out + ")";
}

inline std::string print(const ast::Statement* s) {
  using K = ast::Statement::Kind;
  if (!s) return "<null>";
  auto event = [s](const char* head) {
    std::string out = std::string("(") + head;
    if (s->event_domain_and_type) {
      out += " event " + print(s->event_domain_and_type.get());
    } else {
      out += " " + s->event_domain + " " + print(s->event_type.get());
    }
    if (s->for_rid) out += " for " + print(s->for_rid.get());
    if (s->at) out += " at " + print(s->at.get());
    if (s->timespec) out += " repeat " + print(s->timespec.get());
    if (s->value) out += " attrs " + print(s->value.get());
    if (!s->setting.empty()) out += " setting(" + s->setting + ")";
    return out + ")";
  };
  switch (s->kind) {
    case K::Declaration:
      return "(= " + s->name + " " + print(s->value.get()) + ")";
    case K::Expression:
      return print(s->value.get());
    case K::EntAssign:
      return "(:= " + s->domain + ":" + s->var + (s->path ? "{" + print(s->path.get()) + "}" : "") +
             " " + print(s->value.get()) + ")";
    case K::EntClear:
      return "(clear " + s->domain + ":" + s->var +
             (s->path ? "{" + print(s->path.get()) + "}" : "") + ")";
    case K::Raise:
      return event("raise");
    case K::Schedule:
      return event("schedule");
    case K::Log:
      return "(log " + s->level + " " + print(s->value.get()) + ")";
    case K::Error:
      return "(error " + s->level + " " + print(s->value.get()) + ")";
    case K::Last:
      return "(last)";
    case K::Guarded:
      if (!s->condition) return "(on-final " + print(s->statement.get()) + ")";
      return "(if " + print(s->condition.get()) + " " + print(s->statement.get()) + ")";
  }
  return "?";
}

inline std::string print(const std::vector<ast::StatementPtr>& stmts) {
  std::string out;
  for (std::size_t i = 0; i < stmts.size(); ++i) out += (i ? " " : "") + print(stmts[i].get());
  return out;
}

}  // namespace spime::krl::test
