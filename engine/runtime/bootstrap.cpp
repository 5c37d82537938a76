#include "engine/runtime/bootstrap.h"

#include <algorithm>

#include "engine/runtime/local_services.h"
#include "engine/runtime/pico/pico_records.h"
#include "engine/runtime/ruleset_registry.h"

namespace spime::runtime {

namespace {
// Installed on the root pico, in this order.
const char* const kRootRulesets[] = {"io.picolabs.wrangler"};
}  // namespace

bool bootstrap(store::Store& store, RulesetRegistry& registry,
               const std::function<void(const std::string&)>& log, BootstrapResult* out,
               std::string* error) {
  LocalServices boot(store, registry);
  out->root_pico_id = boot.ensure_root_pico(error);
  if (out->root_pico_id.empty()) return false;
  out->owner_eci = boot.first_eci(out->root_pico_id);
  for (const char* rid : kRootRulesets) {
    if (!registry.get(rid)) continue;
    pico_records::LoadedPico root;
    std::string err;
    bool installed = pico_records::load(store, out->root_pico_id, &root, &err) &&
                     std::any_of(root.installs.begin(), root.installs.end(),
                                 [rid](const auto& i) { return i.first == rid; });
    if (!installed && !boot.install(out->root_pico_id, rid, krl::Map{}, &err)) {
      log("could not install " + std::string(rid) + " on the root pico: " + err);
    }
  }
  return true;
}

}  // namespace spime::runtime
