// Internal to the compiler/evaluator: the compiled node tree.
//
// Every expression compiles to a Node whose eval() computes its value; names
// are already frame slots (hops up the frame chain, index). A Frame is one
// activation: the ruleset's globals, one run of a rule, or one call of a
// function. Closures keep their defining Frame alive.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/host.h"
#include "engine/krl/program.h"
#include "engine/krl/value.h"

namespace spime::krl::detail {

struct Frame {
  Frame(std::shared_ptr<Frame> p, int n) : parent(std::move(p)), slots(static_cast<size_t>(n)) {}
  std::shared_ptr<Frame> parent;
  std::vector<Value> slots;
};

// Closures and frames form reference cycles: a frame's slot holds a closure
// that holds the frame, directly or through the frames of calls made from it
// (`pre { f = function(x) { ... } }` makes one on every run of the rule).
// A FrameArena records every frame a closure captures; release() empties
// their slots, which breaks every such cycle. Only a closure points back at
// a frame, so a cycle runs from a closure to the frame it captured, up zero
// or more parents, and out through a slot. Every frame on that way up was
// captured too (a call's frame has the called closure's frame as parent),
// except an instance's globals, the parent of every rule's frame, whose
// slots were filled while the instance was made: their closures' frames are
// in the instance's arena.
//
// Each top-level evaluation (a rule run, a query, a select-when `where`, a
// lone expression) owns an arena and releases it when it returns or throws:
// nothing it made can be called after that, because values leave an
// evaluation through the runtime, which cleans them to JSON (raised events,
// directives, entity variables, query answers). A RulesetInstance owns the
// arena of its globals, released when the instance dies (modules' instances
// live as long as the instances using them: runtime/pico/pico_state.cpp).
// Slots are emptied, not removed, and parents kept, so a closure that escaped
// all the same reads nulls rather than freed memory.
//
// Not thread-safe: an arena belongs to the evaluation's thread.
class FrameArena {
 public:
  FrameArena() = default;
  FrameArena(const FrameArena&) = delete;
  FrameArena& operator=(const FrameArena&) = delete;
  ~FrameArena() { release(); }

  // Records `frame` as captured by a closure.
  void capture(const std::shared_ptr<Frame>& frame);
  // Empties the slots of every recorded frame still alive; forgets them.
  void release();

 private:
  std::vector<std::weak_ptr<Frame>> captured_;
  size_t compact_at_ = 64;  // drop expired entries when the list reaches this
};

// Makes `arena` the context's arena for its lifetime (nests).
class UseArena {
 public:
  UseArena(EvalContext& ctx, FrameArena* arena) : ctx_(ctx), previous_(ctx.frame_arena) {
    ctx_.frame_arena = arena;
  }
  ~UseArena() { ctx_.frame_arena = previous_; }
  UseArena(const UseArena&) = delete;
  UseArena& operator=(const UseArena&) = delete;

 private:
  EvalContext& ctx_;
  FrameArena* previous_;
};

// A top-level evaluation's own arena, the context's for its lifetime and
// released when it ends (returns or throws).
class EvaluationArena {
 public:
  explicit EvaluationArena(EvalContext& ctx) : use_(ctx, &arena_) {}

 private:
  FrameArena arena_;  // declared first: released after use_ restores the context
  UseArena use_;
};

// What a compiled unit (a ruleset or a lone expression) shares with its closures.
struct CodeUnit {
  virtual ~CodeUnit() = default;
  std::string rid;  // owner of `ent:` variables ("" for a lone expression)
};

// Per run of a rule.
struct RuleState {
  std::string_view rule_name;
  bool fired = false;
  bool any_fired = false;
  int foreach_depth = 0;      // > 0 inside foreach loops
  bool foreach_final = true;  // every enclosing loop is at its last item
  bool stop = false;          // `last` / `error error`: leave the rule now
  bool last = false;
};

struct Env {
  EvalContext& ctx;
  std::shared_ptr<Frame> frame;
  std::shared_ptr<const CodeUnit> unit;
  RuleState* rule = nullptr;  // null outside a rule body
};

struct Node {
  Loc loc;
  explicit Node(Loc l) : loc(l) {}
  virtual ~Node() = default;
  virtual Value eval(Env& env) const = 0;
  // The literal value, when this node is one (for static folding).
  virtual const Value* constant() const { return nullptr; }
};
using NodePtr = std::unique_ptr<Node>;

// Call-site arguments.
struct ArgsCode {
  std::vector<NodePtr> positional;
  std::vector<std::pair<std::string, NodePtr>> named;
  Args eval(Env& env, const Value* receiver) const;
};

// A declaration inside a block: slot = value.
struct DeclCode {
  int slot;
  NodePtr value;
};

struct ParamCode {
  std::string name;
  NodePtr default_value;  // may be null
};

struct ActionCode {
  Loc loc;
  std::optional<std::string> label;
  NodePtr callee;  // evaluates to the action value
  ArgsCode args;
  int setting_slot = -1;
  void exec(Env& env) const;
};

struct ActionBlockCode {
  Loc loc;
  NodePtr condition;  // may be null
  ast::ActionBlock::Type type = ast::ActionBlock::Type::Every;
  NodePtr discriminant;
  std::vector<ActionCode> actions;
  // Returns whether it fired (the condition held).
  bool exec(Env& env) const;
};

// A function or defaction literal; closures share it.
struct FunctionCode {
  Loc loc;
  std::string name = "<anonymous>";
  bool is_action = false;
  std::vector<ParamCode> params;  // param i lives in slot i
  std::vector<DeclCode> body;
  NodePtr result;                                 // functions; may be null
  std::unique_ptr<ActionBlockCode> action_block;  // defactions
  std::vector<NodePtr> returns;                   // defactions
  int nslots = 0;
};

// ---- Statements (postlude) ----------------------------------------------------
struct Stmt {
  Loc loc;
  explicit Stmt(Loc l) : loc(l) {}
  virtual ~Stmt() = default;
  virtual void exec(Env& env) const = 0;
};
using StmtPtr = std::unique_ptr<Stmt>;
void exec_block(const std::vector<StmtPtr>& block, Env& env);

// ---- Rules --------------------------------------------------------------------
struct AttrMatchCode {
  std::string key;
  Value regexp;
};

struct LeafCode {
  std::vector<AttrMatchCode> attrs;
  std::vector<std::pair<std::string, int>> setting;    // name, rule slot
  std::vector<std::pair<std::string, int>> aggregate;  // name, rule slot
  NodePtr where;                                       // may be null
};

struct ForEachCode {
  Loc loc;
  NodePtr expression;
  std::vector<int> setting_slots;  // value, key
};

struct RuleCode {
  std::string name;
  int nslots = 0;
  std::vector<std::pair<std::string, int>> select_vars;  // bound from select bindings
  std::vector<LeafCode> leaves;
  NodePtr within_amount;  // when not literal
  double within_multiplier = 1;
  std::vector<ForEachCode> foreach;
  std::vector<DeclCode> pre;
  std::unique_ptr<ActionBlockCode> action_block;  // may be null
  std::vector<StmtPtr> fired, notfired, always;
};

struct InitStep {
  enum class Kind { Configure, Use, Declare } kind;
  Loc loc;
  int slot;
  std::string name;  // configure name
  NodePtr value;     // configure default / declaration value
  size_t use_index = 0;
  std::vector<std::pair<std::string, NodePtr>> with;
};

struct ProgramCode : CodeUnit {
  ProgramMeta meta;
  std::vector<RuleInfo> rules;
  std::vector<RuleCode> rule_code;
  std::vector<InitStep> init;
  int nslots = 0;
  std::vector<std::pair<std::string, int>> shares;    // name -> global slot
  std::vector<std::pair<std::string, int>> provides;  // name -> global slot
  // Every init step's value is the same on every pico (compile_purity.h), and
  // no rule's `within` is computed: see Program::shareable_globals.
  bool shareable_globals = false;
};

struct ExprCode : CodeUnit {
  NodePtr root;
  int nslots = 0;
};

// ---- Helpers shared by the eval files -------------------------------------------

// The closure value of a function/defaction literal.
Value make_closure(const FunctionCode* code, std::shared_ptr<Frame> frame,
                   std::shared_ptr<const CodeUnit> unit);
// Calls `f` as a function (TypeError "<f> is not a function" otherwise).
Value call_value(EvalContext& ctx, const Value& f, const Args& args);
// Calls a built-in directly.
Value call_builtin(EvalContext& ctx, const Builtin* b, const Args& args);
// Raises a KrlError with `loc` for a runtime failure.
[[noreturn]] void throw_at(Loc loc, std::string message, std::string kind = "Error");
// Limit errors (RangeError naming the limit, at loc). `what` starts the message.
[[noreturn]] void string_too_long(Loc loc, const EvalContext& ctx, const char* what);
// Throws when n is over max_collection_size.
void collection_too_large(Loc loc, const EvalContext& ctx, size_t n, const char* what);

// Paths as the reference's stdlib get/set/delete (`x{path}`, `ent:x{path} := v`).
std::vector<std::string> path_keys(const Value& path);
Value path_get(const Value& obj, const std::vector<std::string>& keys);
Value path_set(const Value& obj, const std::vector<std::string>& keys, const Value& v);
Value path_delete(const Value& obj, const std::vector<std::string>& keys);

// The built-in actions resolved by the compiler: noop, send_directive.
const Builtin* find_builtin_action(std::string_view name);

}  // namespace spime::krl::detail
