// The compiled form of KRL: what the compiler (compiler.h) produces and the
// runtime runs.
//
// A Program is immutable and shared by every pico that has the ruleset
// installed. Names were resolved to frame slots at compile time, regexps
// compiled once; nothing on the evaluation path looks a name up in a string
// table or re-parses anything.
//
// A RulesetInstance is a Program plus the values of its global declarations
// (evaluated once, with configuration and used modules, when the ruleset is
// installed or loaded on a pico). Rules and queries run against an instance.
// Each call takes the EvalContext of the current evaluation (its Host, limits
// and counters). Errors are thrown as KrlError with the Loc of the failing
// node.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/ast.h"
#include "engine/krl/callable.h"
#include "engine/krl/error.h"
#include "engine/krl/value.h"

namespace spime::krl {

namespace detail {
struct ExprCode;     // eval_nodes.h
struct ProgramCode;  // eval_nodes.h
struct Frame;        // eval_nodes.h
class FrameArena;    // eval_nodes.h
}  // namespace detail

// One expression compiled on its own (`spime krl eval`, tests). Identifiers
// resolve to its own declarations, the stdlib and the host modules given to
// compile_expression.
class CompiledExpression {
 public:
  explicit CompiledExpression(std::shared_ptr<const detail::ExprCode> code)
      : code_(std::move(code)) {}
  Value evaluate(EvalContext& ctx) const;

 private:
  std::shared_ptr<const detail::ExprCode> code_;
};

// `use module <rid> [version v] [alias a] [with a = e and ...]`.
struct UseModuleSpec {
  Loc loc;
  std::string rid;
  std::optional<std::string> version;
  std::string alias;              // the rid when no alias was given
  std::vector<std::string> with;  // names configured by `with`
};

struct ProgramMeta {
  std::optional<std::string> name, description, author, version;
  std::optional<bool> logging;
  std::vector<std::string> shares;    // deduplicated, source order
  std::vector<std::string> provides;  // deduplicated, source order
  std::vector<UseModuleSpec> use;
  std::vector<std::string> configure;  // names of `configure using` declarations
};

// A rule's `select when` tree, neutral for the runtime's select-when engine.
// Leaves (Kind::Event) are matched by RulesetInstance::match_leaf.
// `select where <expr>` is one leaf on "*" "*" whose `where` is expr (the
// reference's RuleSelect kind "where").
struct SelectTree {
  ast::EventExpr::Kind kind = ast::EventExpr::Kind::Event;
  Loc loc;
  // Kind::Event
  std::string domain, type;
  int leaf = -1;                     // leaf number for match_leaf (within the rule)
  std::vector<std::string> setting;  // names this leaf binds (attribute captures, in order)
  // False when the leaf has no attribute regexps, no where, no setting and
  // reads no aggregator: domain and type alone decide, so the runtime may
  // skip match_leaf (it would bind nothing and always match).
  bool needs_matcher = true;
  // Operators
  std::vector<SelectTree> args;
  int n = 0;  // any/count/repeat
  struct Aggregator {
    std::string op;                 // max, min, sum, avg, push
    std::vector<std::string> args;  // variable names; a leaf binds each to its i-th capture
  };
  // Count/Repeat: the aggregator (the parser keeps it on the group; the
  // reference on the grouped event) and the leaf whose captures it reads.
  // match_leaf on that leaf binds aggregator.args[i] to its i-th capture
  // (null when there is none), with or without a `setting(...)`.
  std::optional<Aggregator> aggregator;
  int aggregator_leaf = -1;
};

struct RuleInfo {
  std::string name;
  Loc loc;
  bool active = true;
  std::optional<SelectTree> select;  // absent: the rule can never be selected
  // `within N unit` in ms, when N is a literal; see RulesetInstance::within_ms.
  std::optional<std::int64_t> within_ms;
  bool within_is_dynamic = false;
};

class Program {
 public:
  explicit Program(std::shared_ptr<const detail::ProgramCode> code);
  const std::string& rid() const;
  const ProgramMeta& meta() const;
  const std::vector<RuleInfo>& rules() const;
  // Index of the rule named `name`, or -1.
  int rule_index(std::string_view name) const;
  const detail::ProgramCode& code() const { return *code_; }
  // True when evaluating the globals (configure defaults, `use module ...
  // with`, global declarations) reads nothing of the pico, the event, the
  // clock or chance, and no rule's `within` is computed: then two instances
  // with the same configuration and the same used modules' instances are
  // equal, and the runtime may give one to every such pico.
  bool shareable_globals() const;

 private:
  std::shared_ptr<const detail::ProgramCode> code_;
};

// What running one rule did.
struct RuleOutcome {
  bool fired = false;  // the action block's condition held (once, for foreach)
  bool last = false;   // `last` or `error error` ran: stop selecting rules
};

struct InstanceOptions {
  // Overrides `configure using` defaults (the install config / a module's `with`).
  Map config;
  // Resolves `use module`: returns what the used ruleset provides (name ->
  // value). May throw KrlError ("Module not found: rid"). May be empty when
  // the ruleset uses no modules.
  std::function<Map(const UseModuleSpec& use, const Map& with, EvalContext& ctx)> use_module;
};

class RulesetInstance {
 public:
  // Evaluates configure, use module and the global declarations, in that order.
  static std::shared_ptr<RulesetInstance> create(std::shared_ptr<const Program> program,
                                                 const InstanceOptions& options, EvalContext& ctx);
  ~RulesetInstance();
  RulesetInstance(const RulesetInstance&) = delete;
  RulesetInstance& operator=(const RulesetInstance&) = delete;

  const Program& program() const { return *program_; }

  // A shared function called with `args` (named args from the query's Map),
  // or a shared value. Errors as the reference:
  //   Ruleset <rid> does not have query function "<name>"
  Value query(std::string_view name, const Args& args, EvalContext& ctx) const;
  // The values named in `provides` (for modules that use this ruleset).
  Map provides() const;

  // Matches one event against leaf `leaf` of rule `rule_index`: attribute
  // regexps (on attrs{key}.as("String"), "" when absent), then `where` with
  // the captures and bindings_so_far in scope. On a match, *new_bindings gets
  // the leaf's setting vars and aggregator vars (name -> captured string).
  bool match_leaf(size_t rule_index, int leaf, const Value& attrs, const Map& bindings_so_far,
                  Map* new_bindings, EvalContext& ctx) const;
  // The rule's `within` window in ms (evaluated at creation when not literal).
  std::optional<std::int64_t> within_ms(size_t rule_index) const;

  // Runs rule `rule_index` (selected by the runtime) with the bindings the
  // select-when engine produced (setting vars, aggregated values).
  RuleOutcome run_rule(size_t rule_index, const Map& select_bindings, EvalContext& ctx) const;

 private:
  RulesetInstance() = default;
  std::shared_ptr<const Program> program_;
  std::shared_ptr<detail::Frame> globals_;
  // The frames closures captured while the globals were evaluated.
  std::unique_ptr<detail::FrameArena> arena_;
  std::vector<std::optional<std::int64_t>> within_;
};

}  // namespace spime::krl
