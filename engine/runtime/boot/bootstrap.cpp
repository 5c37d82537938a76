#include "engine/runtime/boot/bootstrap.h"

#include <algorithm>

#include "engine/logging/log.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/keys.h"
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

// The root's "engine","ui" channel ("" when none), by reading all its channels.
std::string ui_channel(store::Store& store, const std::string& root) {
  for (const std::string& eci : pico_records::channel_ecis(store, root)) {
    ChannelRecord c;
    if (pico_records::load_channel(store, eci, &c) && is_ui_channel(c)) return eci;
  }
  return "";
}

// The root's channel remembered under `key` when it is still the root's; "".
std::string remembered(store::Store& store, const std::string& key, const std::string& root) {
  std::string eci;
  ChannelRecord c;
  if (store.get(key, &eci) && pico_records::load_channel(store, eci, &c) && c.pico_id == root)
    return eci;
  return "";
}

void remember(store::Store& store, const std::string& key, const std::string& eci,
              const std::function<void(const std::string&)>& log) {
  store::WriteBatch b;
  b.put(key, eci);
  std::string err;
  if (!store.write(b, &err))
    log("could not remember the root channel " + logging::short_eci(eci) + ": " + err);
}

// Makes the UI channel (admitting engine_ui:setup alone) and raises
// engine_ui:setup on it, as the reference; "" and a log line on failure.
std::string make_ui_channel(LocalServices& boot, store::Store& store, const std::string& root,
                            const std::function<void(const std::string&)>& log) {
  pico_records::LoadedPico p;
  std::string err;
  if (!pico_records::load(store, root, &p, &err, /*with_channels=*/false)) {
    log("could not load the root pico: " + err);
    return "";
  }
  ChannelRecord c;
  c.eci = boot.new_id();
  c.pico_id = root;
  c.tags = {"engine", "ui"};
  c.event_policy.allow = {{"engine_ui", "setup"}};
  c.query_policy.allow.clear();
  if (p.record.next_channel_order) {
    c.order = *p.record.next_channel_order;
  } else {
    for (const std::string& eci : pico_records::channel_ecis(store, root)) {
      ChannelRecord other;
      if (pico_records::load_channel(store, eci, &other))
        c.order = std::max(c.order, other.order + 1);
    }
  }
  p.record.next_channel_order = c.order + 1;
  store::WriteBatch b;
  pico_records::put_channel(&b, c);
  pico_records::put_pico(&b, root, p.record);
  b.put(store::keys::root_ui_eci(), c.eci);
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
  out->owner_eci = remembered(store, store::keys::root_owner_eci(), out->root_pico_id);
  if (out->owner_eci.empty()) {
    out->owner_eci = boot.first_eci(out->root_pico_id);
    if (!out->owner_eci.empty())
      remember(store, store::keys::root_owner_eci(), out->owner_eci, log);
  }
  // The root's record and installations, read once (its channels are not
  // read at start; child links never are by a load): each root ruleset
  // missing is installed below.
  pico_records::LoadedPico root;
  std::string load_error;
  const bool root_loaded =
      pico_records::load(store, out->root_pico_id, &root, &load_error, /*with_channels=*/false);
  for (const char* rid : kRootRulesets) {
    if (!registry.get(rid)) continue;
    std::string err;
    bool installed = root_loaded && std::any_of(root.installs.begin(), root.installs.end(),
                                                [rid](const auto& i) { return i.first == rid; });
    if (!installed && !boot.install(out->root_pico_id, rid, krl::Map{}, &err)) {
      log("could not install " + std::string(rid) + " on the root pico: " + err);
    }
  }
  if (registry.get(kUiRid)) {
    out->ui_eci = remembered(store, store::keys::root_ui_eci(), out->root_pico_id);
    if (out->ui_eci.empty()) {
      out->ui_eci = ui_channel(store, out->root_pico_id);
      if (!out->ui_eci.empty()) remember(store, store::keys::root_ui_eci(), out->ui_eci, log);
    }
    if (out->ui_eci.empty()) out->ui_eci = make_ui_channel(boot, store, out->root_pico_id, log);
  }
  return true;
}

}  // namespace spime::runtime
