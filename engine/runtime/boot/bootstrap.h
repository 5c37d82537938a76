// bootstrap: what every data directory has before the engine serves -- the
// root pico, its owner channel, the system rulesets installed on it, and its
// engine UI channel.
//
// As the reference engine at start: the root pico gets, in this order,
// io.picolabs.pico-engine-ui, io.picolabs.wrangler and
// io.picolabs.subscription; then a channel tagged "engine","ui" (made
// admitting engine_ui:setup only) hears engine_ui:setup, with which the UI
// ruleset gives it its policies (rulesets/io.picolabs.pico-engine-ui.krl)
// and the wrangler names the root pico.
//
// Runs once at Engine::open, before any actor exists, on the opening thread.
// Idempotent: a second start finds everything in place and writes nothing.
// A ruleset that is not registered is skipped; one that fails to install, or
// a failing engine_ui:setup, is logged and skipped (the engine still serves).
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
  std::string owner_eci;  // the root pico's first channel (allow-all: the owner's)
  // The root pico's "engine","ui" channel: what the reference's
  // /api/ui-context names. Empty when the UI ruleset is not registered.
  std::string ui_eci;
};

// false + *error on a store error.
bool bootstrap(store::Store& store, RulesetRegistry& registry,
               const std::function<void(const std::string&)>& log, BootstrapResult* out,
               std::string* error);

}  // namespace spime::runtime
