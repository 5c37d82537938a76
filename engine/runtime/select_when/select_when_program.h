// Internal to select_when*.cpp: the compiled form of a `select when`
// expression and the machine builder that produces it.
//
// The builder ports select-when 0.1.9's StateMachine + expressions.js: every
// operator is built from its operands' machines by concatenating, cloning and
// joining states, then optimize() merges states reached by the same
// (state, event) that have the same inputs. The final machine is renamed and
// ordered as StateMachine.compile() does, so state names ("start", "end",
// "s0", ...) and transition order are the reference's; both are observable
// (state names are persisted, order decides how `setting` accumulates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/runtime/select_when/select_when.h"

namespace spime::runtime::select_when_detail {

// Size limits: a machine may hold at most this many transitions while being
// built (count/any/and multiply their operands), and specs nest at most this deep.
constexpr std::size_t kMaxTransitions = 4096;
constexpr int kMaxSpecDepth = 200;

// The reference's aggregators.
bool known_aggregator(const std::string& op);

struct Leaf {
  std::string domain;  // "*" = any
  std::string name;    // "*" = any
  LeafMatcher matcher;
  std::vector<std::string> setting;
  std::optional<Aggregator> aggregator;
  // The reference compiles a matcher function only when the leaf has
  // attributes, setting, where or an aggregator; without one, leaves with the
  // same domain and name are the same event.
  bool has_fn() const { return bool(matcher) || !setting.empty() || aggregator.has_value(); }
};

// A transition's condition (reference TransitionEvent).
struct Expr {
  enum class Kind { Leaf, Not, Or, And };
  Kind kind = Kind::Leaf;
  int a = -1;  // Leaf: index into leaves; otherwise the (left) operand expr
  int b = -1;  // Or/And: the right operand expr
};

constexpr int kStart = 0;
constexpr int kEnd = 1;

struct Program {
  std::vector<Leaf> leaves;
  std::vector<Expr> exprs;
  // States: [0] "start", [1] "end", then "s0", "s1", ...
  std::vector<std::string> state_names;
  std::unordered_map<std::string, int> state_index;
  // Outgoing transitions per state, in the reference's order: (expr, to).
  std::vector<std::vector<std::pair<int, int>>> out;

  std::optional<std::int64_t> within_ms;
  std::vector<std::pair<std::string, std::string>> event_types;
  std::vector<std::string> select_vars;
  bool stateful = true;
};

// A spec the builder refuses; the message is returned by SelectWhen::compile.
struct BuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Fills prog->leaves, exprs, state_names, state_index, out, event_types and
// select_vars from `spec`. Throws BuildError.
void build_program(const SelectSpec& spec, Program* prog);

}  // namespace spime::runtime::select_when_detail
