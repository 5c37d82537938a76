#include "engine/runtime/select_when/rule_selects.h"

#include <algorithm>

namespace spime::runtime {

RuleSelects::RuleSelects(std::vector<std::shared_ptr<const SelectWhen>> rules)
    : rules_(std::move(rules)) {
  for (const auto& rule : rules_) {
    if (!rule) continue;
    for (const auto& [domain, name] : rule->event_types()) {
      if (domain == "*") {
        any_domain_ = true;
      } else {
        domains_.push_back(domain);
      }
    }
  }
  std::sort(domains_.begin(), domains_.end());
  domains_.erase(std::unique(domains_.begin(), domains_.end()), domains_.end());
}

bool RuleSelects::names_domain(std::string_view domain) const {
  if (any_domain_) return true;
  return std::binary_search(domains_.begin(), domains_.end(), domain,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

}  // namespace spime::runtime
