// bootstrap: what every data directory has before the engine serves -- the
// root pico, its owner channel, and the system rulesets installed on it.
//
// Runs once at Engine::open, before any actor exists, on the opening thread.
// Idempotent: a second start finds everything in place and writes nothing.
// A ruleset that is not registered is skipped; one that fails to install is
// logged and skipped (the engine still serves).
#pragma once

#include <functional>
#include <string>

namespace spime::store {
class Store;
}

namespace spime::runtime {

class RulesetRegistry;

struct BootstrapResult {
  std::string root_pico_id;
  std::string owner_eci;  // the root pico's first channel
};

// false + *error on a store error.
bool bootstrap(store::Store& store, RulesetRegistry& registry,
               const std::function<void(const std::string&)>& log, BootstrapResult* out,
               std::string* error);

}  // namespace spime::runtime
