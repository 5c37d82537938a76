#include "engine/krl/compile_purity.h"

#include <string_view>

namespace spime::krl::detail {
namespace {

// Operators that compute on their arguments and read nothing else; none
// calls a function it is given (map, filter, reduce, sort with a comparator
// would run user code, which may read the pico).
bool is_pure_operator(std::string_view name) {
  static const std::set<std::string_view> kPure = {
      "append",     "as",          "decode",       "defaultsTo", "delete",   "encode",
      "extract",    "head",        "index",        "isnull",     "join",     "keys",
      "lc",         "length",      "match",        "put",        "replace",  "reverse",
      "set",        "slice",       "split",        "splice",     "sprintf",  "substr",
      "tail",       "trimLeading", "trimTrailing", "trim",       "typeof",   "uc",
      "values",     "union",       "intersection", "difference", "has",      "isEmpty",
      "once",       "duplicates",  "rindex",       "startsWith", "endsWith", "contains",
      "capitalize", "ord",         "chr",          "range"};
  return kPure.count(name) != 0;
}

// Operators that call a function they are given: pure when it is a function
// literal whose body is pure.
bool is_iterating_operator(std::string_view name) {
  static const std::set<std::string_view> kIterating = {
      "map", "filter", "reduce", "any", "all", "none", "notall", "sort", "collect", "pairwise"};
  return kIterating.count(name) != 0;
}

struct Purity {
  const std::set<std::string>& aliases;
  const std::set<std::string>& declared;

  bool all(const std::vector<ast::ExprPtr>& items) const {
    for (const auto& i : items) {
      if (!i || !pure(*i)) return false;
    }
    return true;
  }

  bool application(const ast::Application& a) const {
    // Only `value.op(args)` with a pure operator: a call of a name may be a user function.
    if (!a.callee || a.callee->kind != ast::ExprKind::Member) return false;
    const auto& m = static_cast<const ast::Member&>(*a.callee);
    if (m.method != ast::Member::Method::Dot || !m.property ||
        m.property->kind != ast::ExprKind::Identifier) {
      return false;
    }
    const std::string& op = static_cast<const ast::Identifier&>(*m.property).name;
    const bool iterating = is_iterating_operator(op);
    if ((!is_pure_operator(op) && !iterating) || declared.count(op)) return false;
    if (!m.object || !pure(*m.object)) return false;
    for (const auto& arg : a.args) {
      if (!arg.value || !pure(*arg.value)) return false;
      const ast::ExprKind k = arg.value->kind;
      if (k == ast::ExprKind::DefAction) return false;
      if (k == ast::ExprKind::Function) {
        if (!iterating || !pure_body(static_cast<const ast::Function&>(*arg.value))) return false;
      } else if (iterating && !cannot_be_function(k)) {
        return false;  // a name or a computed value may be a function that reads the pico
      }
    }
    return true;
  }

  static bool cannot_be_function(ast::ExprKind k) {
    switch (k) {
      case ast::ExprKind::Null:
      case ast::ExprKind::Boolean:
      case ast::ExprKind::Number:
      case ast::ExprKind::String:
      case ast::ExprKind::Chevron:
      case ast::ExprKind::RegExp:
      case ast::ExprKind::Array:
      case ast::ExprKind::Map:
        return true;
      default:
        return false;
    }
  }

  // A function literal that computes only from its parameters and globals.
  // Its parameters and local names may shadow an operator's name, as the
  // ruleset's declarations may.
  bool pure_body(const ast::Function& f) const {
    std::set<std::string> names = declared;
    for (const auto& p : f.params) names.insert(p.name);
    for (const auto& d : f.body) names.insert(d.name);
    const Purity inner{aliases, names};
    for (const auto& p : f.params) {
      if (p.default_value && !inner.pure(*p.default_value)) return false;
    }
    for (const auto& d : f.body) {
      if (!d.value || !inner.pure(*d.value)) return false;
    }
    return !f.result || inner.pure(*f.result);
  }

  bool pure(const ast::Expr& e) const {
    switch (e.kind) {
      case ast::ExprKind::Null:
      case ast::ExprKind::Boolean:
      case ast::ExprKind::Number:
      case ast::ExprKind::String:
      case ast::ExprKind::RegExp:
      case ast::ExprKind::Identifier:  // an earlier declaration, a parameter, a stdlib name
      case ast::ExprKind::Function:    // the body runs when called, with the caller's context
      case ast::ExprKind::DefAction:
        return true;
      case ast::ExprKind::DomainIdentifier:
        return aliases.count(static_cast<const ast::DomainIdentifier&>(e).domain) != 0;
      case ast::ExprKind::Chevron:
        return all(static_cast<const ast::Chevron&>(e).parts);
      case ast::ExprKind::Array:
        return all(static_cast<const ast::ArrayLit&>(e).items);
      case ast::ExprKind::Map: {
        for (const auto& entry : static_cast<const ast::MapLit&>(e).entries) {
          if (!entry.value || !pure(*entry.value)) return false;
        }
        return true;
      }
      case ast::ExprKind::Infix: {
        const auto& i = static_cast<const ast::Infix&>(e);
        return i.left && i.right && pure(*i.left) && pure(*i.right);
      }
      case ast::ExprKind::Unary: {
        const auto& u = static_cast<const ast::Unary&>(e);
        return u.arg && pure(*u.arg);
      }
      case ast::ExprKind::Conditional: {
        const auto& c = static_cast<const ast::Conditional&>(e);
        return c.test && c.consequent && c.alternate && pure(*c.test) && pure(*c.consequent) &&
               pure(*c.alternate);
      }
      case ast::ExprKind::Member: {
        const auto& m = static_cast<const ast::Member&>(e);
        if (!m.object || !pure(*m.object)) return false;
        // a.b names a property; a{k} and a[i] compute a key.
        return m.method == ast::Member::Method::Dot || (m.property && pure(*m.property));
      }
      case ast::ExprKind::Application:
        return application(static_cast<const ast::Application&>(e));
    }
    return false;
  }
};

}  // namespace

bool is_pico_independent(const ast::Expr& e, const std::set<std::string>& module_aliases,
                         const std::set<std::string>& declared) {
  return Purity{module_aliases, declared}.pure(e);
}

}  // namespace spime::krl::detail
