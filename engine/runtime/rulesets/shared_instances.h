// SharedInstances: the instances of one ruleset version that every pico with
// the same configuration may use, when the ruleset's globals read nothing of
// the pico (krl::Program::shareable_globals). A RulesetInstance holds the
// values of the globals (closures, maps, the modules' instances); making one
// per pico cost most of an idle pico's memory and most of its load time.
//
// Owned by a LoadedRuleset (one cache per registered version); filled and
// read by make_instance (pico_state.h), which checks on every use that the
// modules the instance was made with are still the registry's current
// versions and are installed on the asking pico.
//
// Thread-safe: picos on any thread find and put at once. Entries hold the
// instance weakly (it lives as long as a pico uses it); expired entries are
// dropped when the map has doubled since the last sweep, so it stays bounded
// by about twice the number of live configurations.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/thread_annotations.h"

namespace spime::krl {
class RulesetInstance;
}

namespace spime::runtime {

struct LoadedRuleset;

class SharedInstances {
 public:
  struct Entry {
    std::shared_ptr<krl::RulesetInstance> instance;
    // The ruleset versions of its `use module`s, all levels, in the order
    // their instances were made: still current, and installed on the pico,
    // or the entry is not used.
    std::vector<std::shared_ptr<const LoadedRuleset>> modules;
  };

  // The live entry for `config_key` (the configuration, encoded), if any.
  std::optional<Entry> find(const std::string& config_key) const;
  // Records (or replaces) the entry for `config_key`.
  void put(const std::string& config_key, const Entry& entry);
  size_t size() const;

 private:
  struct Held {
    std::weak_ptr<krl::RulesetInstance> instance;
    std::vector<std::shared_ptr<const LoadedRuleset>> modules;
  };
  mutable Mutex mu_;
  std::map<std::string, Held> entries_ SPIME_GUARDED_BY(mu_);
  size_t sweep_at_ SPIME_GUARDED_BY(mu_) = 16;
};

}  // namespace spime::runtime
