// Bridges a compiled rule's `select when` tree (krl::SelectTree) to the
// select-when engine (select_when.h).
//
// A SelectWhen is compiled once per rule and shared by every pico, but its
// leaf matchers must evaluate attribute regexps and `where` against ONE
// pico's RulesetInstance, inside the current evaluation's EvalContext. The
// matchers therefore read both from a thread-local "current leaf evaluation"
// that the runtime installs with LeafEvalScope around SelectWhen::feed():
//
//   LeafEvalScope scope(instance, ctx);
//   auto result = select_when.feed(event, state);
//
// A matcher called with no scope installed (a programming error) throws
// KrlError rather than guessing. Scopes nest (the previous one is restored).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/krl/callable.h"
#include "engine/krl/program.h"
#include "engine/runtime/select_when/select_when.h"

namespace spime::runtime {

class LeafEvalScope {
 public:
  LeafEvalScope(const krl::RulesetInstance& instance, krl::EvalContext& ctx);
  ~LeafEvalScope();
  LeafEvalScope(const LeafEvalScope&) = delete;
  LeafEvalScope& operator=(const LeafEvalScope&) = delete;

 private:
  const krl::RulesetInstance* prev_instance_;
  krl::EvalContext* prev_ctx_;
};

// Compiles rule `rule_index`'s select tree with the given `within` window.
// Returns nullptr + *error when the select-when engine refuses the spec.
std::shared_ptr<const SelectWhen> compile_rule_select(const krl::SelectTree& tree,
                                                      size_t rule_index,
                                                      std::optional<std::int64_t> within_ms,
                                                      std::string* error);

}  // namespace spime::runtime
