// Internal: the expression node types (see eval_nodes.h). Built by
// compile_expressions.cpp / compile_functions.cpp, evaluated by
// eval_expressions.cpp / eval_functions.cpp.
#pragma once

#include "engine/krl/eval_nodes.h"

namespace spime::krl::detail {

struct ConstNode : Node {
  Value value;
  ConstNode(Loc l, Value v) : Node(l), value(std::move(v)) {}
  Value eval(Env&) const override { return value; }
  const Value* constant() const override { return &value; }
};

// A variable: `hops` frames up, then slot `slot`.
struct LoadSlot : Node {
  int hops, slot;
  LoadSlot(Loc l, int h, int s) : Node(l), hops(h), slot(s) {}
  Value eval(Env& env) const override;
};

struct EntGet : Node {
  std::string name;
  EntGet(Loc l, std::string n) : Node(l), name(std::move(n)) {}
  Value eval(Env& env) const override;
};

// alias:name of a used module (the alias slot holds the provided Map).
struct ModuleMember : Node {
  int hops, slot;
  std::string alias, name;
  ModuleMember(Loc l, int h, int s, std::string a, std::string n)
      : Node(l), hops(h), slot(s), alias(std::move(a)), name(std::move(n)) {}
  Value eval(Env& env) const override;
};

// Always fails with `message` (a runtime module missing, an unknown member).
struct FailNode : Node {
  std::string message, kind;
  FailNode(Loc l, std::string m, std::string k = "Error")
      : Node(l), message(std::move(m)), kind(std::move(k)) {}
  Value eval(Env& env) const override;
};

struct ChevronNode : Node {
  std::vector<NodePtr> parts;
  using Node::Node;
  Value eval(Env& env) const override;
};

struct ArrayNode : Node {
  std::vector<NodePtr> items;
  using Node::Node;
  Value eval(Env& env) const override;
};

struct MapNode : Node {
  std::vector<std::pair<std::string, NodePtr>> entries;
  using Node::Node;
  Value eval(Env& env) const override;
};

enum class InfixOp { Eq, Ne, Lt, Le, Gt, Ge, Like, Has, Spaceship, Cmp, Add, Sub, Mul, Div, Mod };

struct InfixNode : Node {
  InfixOp op;
  NodePtr left, right;
  InfixNode(Loc l, InfixOp o, NodePtr a, NodePtr b)
      : Node(l), op(o), left(std::move(a)), right(std::move(b)) {}
  Value eval(Env& env) const override;
};

// `&&` / `||`: short-circuit, the value is an operand's (as JS).
struct LogicalNode : Node {
  bool is_and;
  NodePtr left, right;
  LogicalNode(Loc l, bool a, NodePtr x, NodePtr y)
      : Node(l), is_and(a), left(std::move(x)), right(std::move(y)) {}
  Value eval(Env& env) const override;
};

struct UnaryNode : Node {
  enum class Op { Not, Neg, Plus } op;
  NodePtr arg;
  UnaryNode(Loc l, Op o, NodePtr a) : Node(l), op(o), arg(std::move(a)) {}
  Value eval(Env& env) const override;
};

struct ConditionalNode : Node {
  NodePtr test, consequent, alternate;
  using Node::Node;
  Value eval(Env& env) const override;
};

// obj{path} (path may be an array of keys) or obj[index] / obj.name (one key).
struct MemberNode : Node {
  NodePtr object, property;
  bool single_key;  // [] and . : the property is one key, not a path
  MemberNode(Loc l, NodePtr o, NodePtr p, bool single)
      : Node(l), object(std::move(o)), property(std::move(p)), single_key(single) {}
  Value eval(Env& env) const override;
};

// A property-like built-in read without a call (event:attrs, ...).
struct BuiltinProperty : Node {
  const Builtin* builtin;
  BuiltinProperty(Loc l, const Builtin* b) : Node(l), builtin(b) {}
  Value eval(Env& env) const override;
};

// A call of a built-in known at compile time; positional includes the receiver.
struct BuiltinCall : Node {
  const Builtin* builtin;
  std::vector<NodePtr> positional;
  std::vector<std::pair<std::string, NodePtr>> named;
  BuiltinCall(Loc l, const Builtin* b) : Node(l), builtin(b) {}
  Value eval(Env& env) const override;
};

// A call of a value (closure, module function): `receiver` is the left of a dot.
struct ValueCall : Node {
  NodePtr callee;
  NodePtr receiver;  // may be null
  ArgsCode args;
  using Node::Node;
  Value eval(Env& env) const override;
};

struct FunctionNode : Node {
  std::unique_ptr<FunctionCode> code;
  using Node::Node;
  Value eval(Env& env) const override;
};

}  // namespace spime::krl::detail
