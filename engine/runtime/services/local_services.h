// LocalServices: Services (services.h) in-process, over one Store and one
// RulesetRegistry, without actors: for the offline runner (`spime krl run`)
// and the runtime's tests. Existing picos are loaded from the store for each
// cross-pico call (committed state only) and a nested event's batch is
// written synchronously; events it sends on (event:send) are dropped. Picos
// created by a schedule work as in the engine (services.h).
//
// Also the bootstrap every data directory needs: the root pico.
//
// Not thread-safe beyond what the store is: one caller at a time.
#pragma once

#include <optional>
#include <string>

#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/services.h"
#include "engine/runtime/rulesets/ruleset_registry.h"

namespace spime::runtime {

class LocalServices : public Services {
 public:
  LocalServices(store::Store& store, RulesetRegistry& registry);

  RulesetRegistry& registry() override { return registry_; }
  store::Store& store() override { return store_; }

  using Services::channel;
  // A committed channel (nullopt when unknown).
  std::optional<ChannelRecord> channel(const std::string& eci);

  // The root pico's id (m/root_pico), creating the root pico with one
  // channel tagged "system","self" (allow-all policies) when absent.
  // Empty + *error on a store error.
  std::string ensure_root_pico(std::string* error);
  // The ECI of the first channel of pico `pico_id` ("" when none).
  std::string first_eci(const std::string& pico_id);
  // Installs `rid` (registered) on pico `pico_id` directly (outside an event).
  bool install(const std::string& pico_id, const std::string& rid, const krl::Map& config,
               std::string* error);

 protected:
  std::optional<ChannelRecord> existing_channel(Transaction& txn, const std::string& eci) override;
  api::Result<krl::Value> query_existing(Transaction& txn, const ChannelRecord& channel,
                                         const QueryCall& query) override;
  api::Result<WaitAnswer> event_wait_existing(Transaction& txn, const ChannelRecord& channel,
                                              const WaitedEvent& event) override;
  api::Result<PicoState*> hold_for_deletion(Transaction& txn, const std::string& pico_id) override;

 private:
  store::Store& store_;
  RulesetRegistry& registry_;
};

}  // namespace spime::runtime
