// Compiling expressions: literals, names, operators, members and calls.
#include <algorithm>
#include <string>

#include "engine/krl/compile_scope.h"
#include "engine/krl/regexp.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::detail {
namespace {

std::optional<InfixOp> infix_op(const std::string& op) {
  static const std::pair<const char*, InfixOp> table[] = {
      {"==", InfixOp::Eq},     {"!=", InfixOp::Ne},  {"<", InfixOp::Lt},
      {"<=", InfixOp::Le},     {">", InfixOp::Gt},   {">=", InfixOp::Ge},
      {"like", InfixOp::Like}, {"><", InfixOp::Has}, {"<=>", InfixOp::Spaceship},
      {"cmp", InfixOp::Cmp},   {"+", InfixOp::Add},  {"-", InfixOp::Sub},
      {"*", InfixOp::Mul},     {"/", InfixOp::Div},  {"%", InfixOp::Mod},
  };
  for (const auto& [name, o] : table) {
    if (op == name) return o;
  }
  return std::nullopt;
}

bool is_string_literal(const std::vector<ast::Argument>& args) {
  return !args.empty() && !args[0].name && args[0].value->kind == ast::ExprKind::String;
}

const std::string& string_value(const ast::Expr& e) {
  return static_cast<const ast::StringLit&>(e).value;
}

bool is_domain_id(const ast::Expr& e, const char* domain, const char* name) {
  if (e.kind != ast::ExprKind::DomainIdentifier) return false;
  const auto& d = static_cast<const ast::DomainIdentifier&>(e);
  return d.domain == domain && d.name == name;
}

}  // namespace

NodePtr Compiler::expr(const ast::Expr& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::Null:
      return std::make_unique<ConstNode>(e.loc, Value());
    case K::Boolean:
      return std::make_unique<ConstNode>(e.loc, static_cast<const ast::BooleanLit&>(e).value);
    case K::Number:
      return std::make_unique<ConstNode>(e.loc, static_cast<const ast::NumberLit&>(e).value);
    case K::String:
      return std::make_unique<ConstNode>(e.loc, static_cast<const ast::StringLit&>(e).value);
    case K::Chevron: {
      const auto& c = static_cast<const ast::Chevron&>(e);
      auto n = std::make_unique<ChevronNode>(e.loc);
      for (const auto& p : c.parts) n->parts.push_back(expr(*p));
      return n;
    }
    case K::RegExp: {
      const auto& r = static_cast<const ast::RegExpLit&>(e);
      try {
        return std::make_unique<ConstNode>(e.loc, Value(make_regexp(r.source, r.flags)));
      } catch (const KrlError& err) {
        error(e.loc, err.message());  // "Invalid regular expression: /(/: ..."
        return std::make_unique<ConstNode>(e.loc, Value());
      }
    }
    case K::Identifier: {
      const auto& id = static_cast<const ast::Identifier&>(e);
      if (auto r = lookup(id.name)) return std::make_unique<LoadSlot>(e.loc, r->hops, r->slot);
      if (const Builtin* b = stdlib::find_operator(id.name)) {
        return std::make_unique<ConstNode>(e.loc, make_builtin_function(b));
      }
      if (const Builtin* b = find_builtin_action(id.name)) {
        return std::make_unique<ConstNode>(e.loc, make_builtin_function(b));
      }
      error(e.loc, "Undefined id: " + id.name);
      return std::make_unique<ConstNode>(e.loc, Value());
    }
    case K::DomainIdentifier:
      return domain_identifier(static_cast<const ast::DomainIdentifier&>(e), nullptr, nullptr);
    case K::Array: {
      auto n = std::make_unique<ArrayNode>(e.loc);
      for (const auto& i : static_cast<const ast::ArrayLit&>(e).items) n->items.push_back(expr(*i));
      return n;
    }
    case K::Map: {
      auto n = std::make_unique<MapNode>(e.loc);
      for (const auto& en : static_cast<const ast::MapLit&>(e).entries) {
        n->entries.emplace_back(en.key, expr(*en.value));
      }
      return n;
    }
    case K::Infix: {
      const auto& in = static_cast<const ast::Infix&>(e);
      NodePtr l = expr(*in.left), r = expr(*in.right);
      if (in.op == "&&" || in.op == "||") {
        return std::make_unique<LogicalNode>(e.loc, in.op == "&&", std::move(l), std::move(r));
      }
      auto op = infix_op(in.op);
      if (!op) {
        error(e.loc, "Unsupported infix operator: " + in.op);
        return l;
      }
      return std::make_unique<InfixNode>(e.loc, *op, std::move(l), std::move(r));
    }
    case K::Unary: {
      const auto& u = static_cast<const ast::Unary&>(e);
      UnaryNode::Op op = u.op == "not" ? UnaryNode::Op::Not
                         : u.op == "-" ? UnaryNode::Op::Neg
                                       : UnaryNode::Op::Plus;
      return std::make_unique<UnaryNode>(e.loc, op, expr(*u.arg));
    }
    case K::Conditional: {
      const auto& c = static_cast<const ast::Conditional&>(e);
      auto n = std::make_unique<ConditionalNode>(e.loc);
      n->test = expr(*c.test);
      n->consequent = expr(*c.consequent);
      n->alternate = expr(*c.alternate);
      return n;
    }
    case K::Member: {
      const auto& m = static_cast<const ast::Member&>(e);
      if (m.method == ast::Member::Method::Path && is_domain_id(*m.object, "event", "attrs") &&
          m.property->kind == ast::ExprKind::String) {
        testing.add_attr(string_value(*m.property));
      }
      NodePtr obj = expr(*m.object);
      if (m.method == ast::Member::Method::Dot && m.property->kind == ast::ExprKind::Identifier) {
        // Deprecated `x.y`: the key "y".
        const auto& id = static_cast<const ast::Identifier&>(*m.property);
        return std::make_unique<MemberNode>(e.loc, std::move(obj),
                                            std::make_unique<ConstNode>(id.loc, id.name), true);
      }
      return std::make_unique<MemberNode>(e.loc, std::move(obj), expr(*m.property),
                                          m.method != ast::Member::Method::Path);
    }
    case K::Application:
      return application(static_cast<const ast::Application&>(e));
    case K::Function:
      return function(static_cast<const ast::Function&>(e), "<anonymous>");
    case K::DefAction:
      return defaction(static_cast<const ast::DefAction&>(e), "<anonymous>");
  }
  error(e.loc, "Unsupported expression");
  return std::make_unique<ConstNode>(e.loc, Value());
}

ArgsCode Compiler::arguments(const std::vector<ast::Argument>& args) {
  ArgsCode out;
  bool named = false;
  for (const auto& a : args) {
    if (a.name) {
      named = true;
      out.named.emplace_back(*a.name, expr(*a.value));
    } else if (named) {
      error(a.loc, "Once you used a named arg, all following must be named.");
    } else {
      out.positional.push_back(expr(*a.value));
    }
  }
  return out;
}

// A call of a built-in known now; `receiver` is the left of a dot, if any.
// A module member that is a property whose value is an action (or an
// action-function) is called through that value, which binds its own
// arguments: a Builtin binds at most kMaxBuiltinParams, and http:* take
// eleven (url ... dontFollowRedirect). Plain properties (event:attrs) are
// functions and keep their calls.
static bool callable_property(const Builtin& b) {
  return b.is_property && b.kind != Function::Kind::Function;
}

static NodePtr builtin_call(Compiler& c, Loc loc, const Builtin* b, const ast::Expr* receiver,
                            const std::vector<ast::Argument>& args) {
  auto call = std::make_unique<BuiltinCall>(loc, b);
  if (receiver) call->positional.push_back(c.expr(*receiver));
  ArgsCode a = c.arguments(args);
  for (auto& p : a.positional) call->positional.push_back(std::move(p));
  call->named = std::move(a.named);
  return call;
}

static NodePtr value_call(Compiler& c, Loc loc, NodePtr callee, const ast::Expr* receiver,
                          const std::vector<ast::Argument>& args) {
  auto call = std::make_unique<ValueCall>(loc);
  call->callee = std::move(callee);
  if (receiver) call->receiver = c.expr(*receiver);
  call->args = c.arguments(args);
  return call;
}

const Module* Compiler::find_module(const std::string& domain) const {
  for (const Module* m : options_.host_modules) {
    if (m && m->name == domain) {
      if (auto* used = options_.used_host_modules; used && function_depth_ == 0) {
        if (std::find(used->begin(), used->end(), domain) == used->end()) used->push_back(domain);
      }
      return m;
    }
  }
  return stdlib::find_module(domain);
}

NodePtr Compiler::unknown_domain(const ast::DomainIdentifier& d) {
  std::string message = "Undefined domain: " + d.domain;
  if (lone_expression) {
    error(d.loc, message);
    return std::make_unique<ConstNode>(d.loc, Value());
  }
  // The reference compiles any domain and looks the module up when the
  // member is used (a module may be given to its engine in JavaScript).
  warning(d.loc, message);
  return std::make_unique<FailNode>(d.loc, message, "TypeError");
}

// The `stdlib` domain: the operators and the built-in actions by name (the
// reference's stdlib module), `stdlib:length([1])`.
static const Builtin* stdlib_member(const std::string& name) {
  if (const Builtin* b = stdlib::find_operator(name)) return b;
  return find_builtin_action(name);
}

NodePtr Compiler::domain_identifier(const ast::DomainIdentifier& d, const ast::Expr* receiver,
                                    const std::vector<ast::Argument>* args) {
  static const std::vector<ast::Argument> kNoArgs;
  const std::vector<ast::Argument>& call_args = args ? *args : kNoArgs;
  if (d.domain == "ent") {
    auto get = std::make_unique<EntGet>(d.loc, d.name);
    if (!args && !receiver) return get;
    return value_call(*this, d.loc, std::move(get), receiver, call_args);
  }
  // A used module's alias comes first (as the reference's getModule). Its
  // members are looked up when called: one it does not provide is null there
  // ("null is not a function").
  if (aliases.count(d.domain)) {
    // Read without arguments, a module member is called with none (as the reference).
    return value_call(*this, d.loc, module_member(d), receiver, call_args);
  }
  const Module* mod = find_module(d.domain);
  const Builtin* b = mod                    ? mod->find(d.name)
                     : d.domain == "stdlib" ? stdlib_member(d.name)
                                            : nullptr;
  if (b && callable_property(*b)) {
    return value_call(*this, d.loc, std::make_unique<BuiltinProperty>(d.loc, b), receiver,
                      call_args);
  }
  if (b) {
    if (b->kind == Function::Kind::Action && args) {
      // The reference checks this at run time: "[Action] is not a function".
      return value_call(*this, d.loc, std::make_unique<ConstNode>(d.loc, make_builtin_function(b)),
                        receiver, call_args);
    }
    return builtin_call(*this, d.loc, b, receiver, call_args);
  }
  NodePtr fail;
  if (mod || d.domain == "stdlib") {
    std::string message = d.domain + ":" + d.name + " is not defined";
    warning(d.loc, message);
    fail = std::make_unique<FailNode>(d.loc, message, "TypeError");
  } else {
    fail = unknown_domain(d);
  }
  // The arguments are compiled (and checked) all the same.
  if (!args && !receiver) return fail;
  return value_call(*this, d.loc, std::move(fail), receiver, call_args);
}

NodePtr Compiler::module_member(const ast::DomainIdentifier& d) {
  const auto& [slot, rid] = aliases.at(d.domain);
  if (options_.modules) {
    auto names = options_.modules->provided_names(rid);
    if (names && std::find(names->begin(), names->end(), d.name) == names->end()) {
      warning(d.loc, "Module " + d.domain + " does not provide " + d.name);
    }
  }
  auto g = lookup_global("$module:" + d.domain);
  return std::make_unique<ModuleMember>(d.loc, g ? g->hops : 0, slot, d.domain, d.name);
}

NodePtr Compiler::application(const ast::Application& app) {
  const ast::Expr& callee = *app.callee;
  if (is_domain_id(callee, "event", "attrs")) {
    error(callee.loc, "`event:attrs` is a Map, not a Function. Use `event:attrs{key}` instead");
  }
  if (is_domain_id(callee, "event", "attr") && is_string_literal(app.args)) {
    testing.add_attr(string_value(*app.args[0].value));
  }
  const ast::Expr* receiver = nullptr;
  const ast::Expr* fn = &callee;
  if (callee.kind == ast::ExprKind::Member) {
    const auto& m = static_cast<const ast::Member&>(callee);
    if (m.method == ast::Member::Method::Dot &&
        (m.property->kind == ast::ExprKind::Identifier ||
         m.property->kind == ast::ExprKind::DomainIdentifier)) {
      receiver = m.object.get();  // "foo".bar(baz) is bar("foo", baz)
      fn = m.property.get();
      // event:attrs.get("x")
      if (is_domain_id(*m.object, "event", "attrs") &&
          m.property->kind == ast::ExprKind::Identifier &&
          static_cast<const ast::Identifier&>(*m.property).name == "get" &&
          is_string_literal(app.args)) {
        testing.add_attr(string_value(*app.args[0].value));
      }
    }
  }
  if (fn->kind == ast::ExprKind::DomainIdentifier) {
    return domain_identifier(static_cast<const ast::DomainIdentifier&>(*fn), receiver, &app.args);
  }
  if (fn->kind == ast::ExprKind::Identifier) {
    const auto& id = static_cast<const ast::Identifier&>(*fn);
    auto type = identifier_type(id.name);
    if (!type) {
      error(fn->loc, "Undefined id: " + id.name);
      return std::make_unique<ConstNode>(app.loc, Value());
    }
    if (*type != Annotation::Function && *type != Annotation::Unknown) {
      error(fn->loc, std::string("Not a function: ") + annotation_name(*type));
    }
    if (auto r = lookup(id.name)) {
      return value_call(*this, app.loc, std::make_unique<LoadSlot>(fn->loc, r->hops, r->slot),
                        receiver, app.args);
    }
    const Builtin* b = stdlib::find_operator(id.name);
    if (!b) b = find_builtin_action(id.name);
    return builtin_call(*this, app.loc, b, receiver, app.args);
  }
  return value_call(*this, app.loc, expr(callee), nullptr, app.args);
}

NodePtr Compiler::action_callee(const ast::Expr& callee) {
  if (callee.kind == ast::ExprKind::Identifier) {
    const auto& id = static_cast<const ast::Identifier&>(callee);
    auto type = identifier_type(id.name);
    if (!type) {
      error(callee.loc, "Undefined id: " + id.name);
      return std::make_unique<ConstNode>(callee.loc, Value());
    }
    if (*type == Annotation::Function || *type == Annotation::String || *type == Annotation::Map) {
      error(callee.loc, std::string("Not an action: ") + annotation_name(*type));
    }
    if (auto r = lookup(id.name)) return std::make_unique<LoadSlot>(callee.loc, r->hops, r->slot);
    if (const Builtin* b = find_builtin_action(id.name)) {
      return std::make_unique<ConstNode>(callee.loc, make_builtin_function(b));
    }
    return std::make_unique<ConstNode>(callee.loc, Value());  // an operator: refused above
  }
  if (callee.kind == ast::ExprKind::DomainIdentifier) {
    const auto& d = static_cast<const ast::DomainIdentifier&>(callee);
    if (d.domain == "ent") return std::make_unique<EntGet>(d.loc, d.name);
    if (aliases.count(d.domain)) return module_member(d);
    const Module* mod = find_module(d.domain);
    const Builtin* b = mod                    ? mod->find(d.name)
                       : d.domain == "stdlib" ? stdlib_member(d.name)
                                              : nullptr;
    if (b && callable_property(*b)) return std::make_unique<BuiltinProperty>(d.loc, b);
    if (b) return std::make_unique<ConstNode>(d.loc, make_builtin_function(b));
    if (mod || d.domain == "stdlib") {
      std::string message = d.domain + ":" + d.name + " is not defined";
      warning(d.loc, message);
      return std::make_unique<FailNode>(d.loc, message, "TypeError");
    }
    return unknown_domain(d);
  }
  error(callee.loc, "Unsuported RuleAction.action");
  return std::make_unique<ConstNode>(callee.loc, Value());
}

}  // namespace spime::krl::detail
