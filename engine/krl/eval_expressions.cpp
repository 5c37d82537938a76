// Evaluation of expression nodes (eval_expr_nodes.h).
#include <string>
#include <utility>

#include "engine/krl/eval_expr_nodes.h"
#include "engine/krl/stdlib/infix.h"

namespace spime::krl::detail {

void throw_at(Loc loc, std::string message, std::string kind) {
  throw KrlError(std::move(message), std::move(kind), loc);
}

void string_too_long(Loc loc, const EvalContext& ctx, const char* what) {
  throw_at(loc,
           std::string(what) + " result exceeds max_string_bytes (" +
               std::to_string(ctx.limits.max_string_bytes) + " bytes)",
           "RangeError");
}

void collection_too_large(Loc loc, const EvalContext& ctx, size_t n, const char* what) {
  if (n <= ctx.limits.max_collection_size) return;
  throw_at(loc,
           std::string(what) + " of " + std::to_string(n) +
               " elements exceeds max_collection_size (" +
               std::to_string(ctx.limits.max_collection_size) + " elements)",
           "RangeError");
}

static const Frame* up(const Env& env, int hops) {
  const Frame* f = env.frame.get();
  for (int i = 0; i < hops; ++i) f = f->parent.get();
  return f;
}

Value LoadSlot::eval(Env& env) const {
  return up(env, hops)->slots[static_cast<size_t>(slot)];
}

Value EntGet::eval(Env& env) const {
  if (!env.ctx.host) throw_at(loc, "ent:" + name + " is not available outside a pico");
  return env.ctx.host->get_ent(env.unit->rid, name);
}

// As the reference, a member the module does not provide is null: calling it
// fails there ("null is not a function", "null is not an action").
Value ModuleMember::eval(Env& env) const {
  const Value& mod = up(env, hops)->slots[static_cast<size_t>(slot)];
  const Value* v = mod.is_map() ? mod.as_map().find(name) : nullptr;
  return v ? *v : Value();
}

Value FailNode::eval(Env&) const {
  throw_at(loc, message, kind);
}

Value ChevronNode::eval(Env& env) const {
  std::string out;
  for (const auto& p : parts) {
    Value v = p->eval(env);
    // as(v, "String"): strings as they are, everything else via toString.
    if (v.is_string()) {
      out += v.as_string();
    } else {
      out += to_string(v);
    }
    if (out.size() > env.ctx.limits.max_string_bytes)
      string_too_long(loc, env.ctx, "A chevron string");
  }
  env.ctx.charge(out.size() / 64);
  return Value(std::move(out));
}

Value ArrayNode::eval(Env& env) const {
  collection_too_large(loc, env.ctx, items.size(), "An array literal");
  Array a;
  a.reserve(items.size());
  for (const auto& i : items) a.push_back(i->eval(env));
  return Value(std::move(a));
}

Value MapNode::eval(Env& env) const {
  collection_too_large(loc, env.ctx, entries.size(), "A map literal");
  Map m;
  m.reserve(entries.size());
  for (const auto& [k, v] : entries) m.set(k, v->eval(env));
  return Value(std::move(m));
}

// `+` with the max_string_bytes limit. Kept out of line so that the hot
// comparison paths of InfixNode::eval stay small. Checks before building the
// string when both sides are strings; other operands stringify to short text,
// so checking the result suffices.
[[gnu::noinline]] static Value add_checked(const Value& a, const Value& b, EvalContext& ctx) {
  const size_t max = ctx.limits.max_string_bytes;
  if (a.is_string() && b.is_string() && a.as_string().size() + b.as_string().size() > max) {
    string_too_long(Loc(), ctx, "String concatenation");
  }
  Value r = stdlib::op_add(a, b);
  if (r.is_string()) {
    if (r.as_string().size() > max) string_too_long(Loc(), ctx, "String concatenation");
    ctx.charge(r.as_string().size() / 64);
  }
  return r;
}

Value InfixNode::eval(Env& env) const {
  env.ctx.step();
  Value a = left->eval(env);
  Value b = right->eval(env);
  try {
    switch (op) {
      case InfixOp::Eq:
        return stdlib::op_eq(a, b);
      case InfixOp::Ne:
        return !stdlib::op_eq(a, b);
      case InfixOp::Lt:
        return stdlib::op_lt(a, b);
      case InfixOp::Le:
        return stdlib::op_le(a, b);
      case InfixOp::Gt:
        return stdlib::op_gt(a, b);
      case InfixOp::Ge:
        return stdlib::op_ge(a, b);
      case InfixOp::Like:
        return stdlib::op_like(a, b);
      case InfixOp::Has:
        return stdlib::op_has(a, b);
      case InfixOp::Spaceship:
        return stdlib::op_spaceship(a, b);
      case InfixOp::Cmp:
        return stdlib::op_cmp(a, b);
      case InfixOp::Add:
        return add_checked(a, b, env.ctx);
      case InfixOp::Sub:
        return stdlib::op_sub(a, b);
      case InfixOp::Mul:
        return stdlib::op_mul(a, b);
      case InfixOp::Div:
        return stdlib::op_div(a, b);
      case InfixOp::Mod:
        return stdlib::op_mod(a, b);
    }
  } catch (KrlError& e) {
    e.set_loc_if_unset(loc);
    throw;
  }
  return Value();
}

Value LogicalNode::eval(Env& env) const {
  Value a = left->eval(env);
  if (truthy(a) != is_and) return a;  // && stops on falsy, || on truthy
  return right->eval(env);
}

Value UnaryNode::eval(Env& env) const {
  Value a = arg->eval(env);
  switch (op) {
    case Op::Not:
      return !truthy(a);
    case Op::Plus:
      return a;  // the reference's "+" with one argument
    case Op::Neg:
      try {
        return stdlib::op_neg(a);
      } catch (KrlError& e) {
        e.set_loc_if_unset(loc);
        throw;
      }
  }
  return Value();
}

Value ConditionalNode::eval(Env& env) const {
  return truthy(test->eval(env)) ? consequent->eval(env) : alternate->eval(env);
}

Value MemberNode::eval(Env& env) const {
  Value obj = object->eval(env);
  Value prop = property->eval(env);
  if (!obj.is_map() && !obj.is_array()) return Value();
  if (single_key) return path_get(obj, {prop.is_string() ? prop.as_string() : to_string(prop)});
  return path_get(obj, path_keys(prop));
}

Value BuiltinProperty::eval(Env& env) const {
  try {
    return builtin->fn(env.ctx, BoundArgs());
  } catch (KrlError& e) {
    e.set_loc_if_unset(loc);
    throw;
  }
}

Value BuiltinCall::eval(Env& env) const {
  env.ctx.step();
  try {
    if (named.empty() && positional.size() <= static_cast<size_t>(kMaxBuiltinParams)) {
      Value argv[kMaxBuiltinParams];
      size_t n = positional.size();
      for (size_t i = 0; i < n; ++i) argv[i] = positional[i]->eval(env);
      return builtin->fn(env.ctx, bind_args(builtin->params, argv, n));
    }
    Args args;
    args.positional.reserve(positional.size());
    for (const auto& p : positional) args.positional.push_back(p->eval(env));
    for (const auto& [k, v] : named) args.named.emplace_back(k, v->eval(env));
    return builtin->fn(env.ctx, bind_args(builtin->params, args));
  } catch (KrlError& e) {
    e.set_loc_if_unset(loc);
    throw;
  }
}

Args ArgsCode::eval(Env& env, const Value* receiver) const {
  Args a;
  a.positional.reserve(positional.size() + (receiver ? 1 : 0));
  if (receiver) a.positional.push_back(*receiver);
  for (const auto& p : positional) a.positional.push_back(p->eval(env));
  for (const auto& [k, v] : named) a.named.emplace_back(k, v->eval(env));
  return a;
}

Value ValueCall::eval(Env& env) const {
  env.ctx.step();
  Value f = callee->eval(env);
  Value recv;
  if (receiver) recv = receiver->eval(env);
  Args a = args.eval(env, receiver ? &recv : nullptr);
  try {
    return call_value(env.ctx, f, a);
  } catch (KrlError& e) {
    e.set_loc_if_unset(loc);
    throw;
  }
}

Value FunctionNode::eval(Env& env) const {
  if (env.ctx.frame_arena) env.ctx.frame_arena->capture(env.frame);
  return make_closure(code.get(), env.frame, env.unit);
}

}  // namespace spime::krl::detail
