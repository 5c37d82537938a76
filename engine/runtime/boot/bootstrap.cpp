#include "engine/runtime/boot/bootstrap.h"

#include <algorithm>

#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

constexpr const char* kUiRid = "io.picolabs.pico-engine-ui";

// Installed on the root pico, in this order (as the reference's start).
const char* const kRootRulesets[] = {kUiRid, "io.picolabs.wrangler", "io.picolabs.subscription"};

bool is_ui_channel(const ChannelRecord& c) {
  std::vector<std::string> tags = c.tags;
  std::sort(tags.begin(), tags.end());
  return tags == std::vector<std::string>{"engine", "ui"};
}

// The root's "engine","ui" channel ("" when none).
std::string ui_channel(store::Store& store, const std::string& root) {
  pico_records::LoadedPico p;
  std::string err;
  if (!pico_records::load(store, root, &p, &err)) return "";
  for (const ChannelRecord& c : p.channels) {
    if (is_ui_channel(c)) return c.eci;
  }
  return "";
}

// Makes the UI channel (admitting engine_ui:setup alone) and raises
// engine_ui:setup on it, as the reference; "" and a log line on failure.
std::string make_ui_channel(LocalServices& boot, store::Store& store, const std::string& root,
                            const std::function<void(const std::string&)>& log) {
  pico_records::LoadedPico p;
  std::string err;
  if (!pico_records::load(store, root, &p, &err)) {
    log("could not load the root pico: " + err);
    return "";
  }
  ChannelRecord c;
  c.eci = boot.new_id();
  c.pico_id = root;
  c.tags = {"engine", "ui"};
  c.event_policy.allow = {{"engine_ui", "setup"}};
  c.query_policy.allow.clear();
  for (const ChannelRecord& other : p.channels) c.order = std::max(c.order, other.order + 1);
  store::WriteBatch b;
  pico_records::put_channel(&b, c);
  if (!store.write(b, &err)) {
    log("could not create the engine UI channel: " + err);
    return "";
  }
  Transaction txn;
  WaitedEvent setup;
  setup.eci = c.eci;
  setup.domain = "engine_ui";
  setup.name = "setup";
  auto r = boot.event_wait(txn, "", setup);
  if (!r.ok()) log("engine_ui:setup on the root pico failed: " + r.status().message());
  return c.eci;
}

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
  if (registry.get(kUiRid)) {
    out->ui_eci = ui_channel(store, out->root_pico_id);
    if (out->ui_eci.empty()) out->ui_eci = make_ui_channel(boot, store, out->root_pico_id, log);
  }
  return true;
}

}  // namespace spime::runtime
