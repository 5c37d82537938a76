// The select-when machines of one ruleset's rules, with the event domains
// they name, so that an event none of them names skips the ruleset at the
// cost of one lookup instead of a salience test per rule.
//
// Immutable once built: shared by every pico that runs the same compiled
// rules (RulesetRegistry builds one per ruleset version; a pico builds its
// own only when a rule's `within` depends on the pico's configuration), and
// read from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/select_when/select_when.h"

namespace spime::runtime {

class RuleSelects {
 public:
  // One machine per rule, in rule order; null for a rule that never selects.
  explicit RuleSelects(std::vector<std::shared_ptr<const SelectWhen>> rules);

  std::size_t size() const { return rules_.size(); }
  // Rule i's machine, or null (inactive, or i past the end).
  const SelectWhen* at(std::size_t i) const {
    return i < rules_.size() ? rules_[i].get() : nullptr;
  }
  // False when no rule is salient for any event of `domain`: the ruleset
  // then has nothing to do with the event (true does not mean one is).
  bool names_domain(std::string_view domain) const;

  // The machines, copied: where a pico builds its own RuleSelects (a rule
  // whose `within` depends on the pico's configuration).
  std::vector<std::shared_ptr<const SelectWhen>> rules() const { return rules_; }

 private:
  std::vector<std::shared_ptr<const SelectWhen>> rules_;
  std::vector<std::string> domains_;  // sorted, distinct; "*" is any_domain_
  bool any_domain_ = false;
};

}  // namespace spime::runtime
