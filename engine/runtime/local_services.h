// LocalServices: Services (services.h) in-process, over one Store and one
// RulesetRegistry. Other picos are loaded from the store for each cross-pico
// query (committed state only); nothing is cached, so it is simple rather
// than fast: for the offline runner and tests. The engine wraps it with its
// actors. Also creates the root pico of a fresh data directory.
#pragma once

#include <string>

#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/ruleset_registry.h"
#include "engine/runtime/services.h"

namespace spime::runtime {

class LocalServices : public Services {
 public:
  LocalServices(store::Store& store, RulesetRegistry& registry);

  RulesetRegistry& registry() override { return registry_; }
  store::Store& store() override { return store_; }
  std::int64_t now_ms() override;
  std::string new_id() override;
  std::optional<ChannelRecord> channel(const std::string& eci) override;
  QueryOutcome query(const std::string& eci, const std::string& rid, const std::string& name,
                     const krl::Map& args) override;
  // Offline: loads the target pico from the store, runs the event, writes
  // its batch, runs the query. Events it sends on (event:send) are dropped.
  WaitOutcome event_wait(const std::string& from_pico_id, const WaitedEvent& ev) override;

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
  // What every event_wait checks first: the channel exists, is not the
  // caller's own, and its policies allow the event (and the query). The
  // channel, or nullopt with out->status and out->error set.
  std::optional<ChannelRecord> check_wait(const std::string& from_pico_id, const WaitedEvent& ev,
                                          WaitOutcome* out);
  // The incoming event for `ev` (fresh eid, time now).
  IncomingEvent incoming(const WaitedEvent& ev);

 private:
  store::Store& store_;
  RulesetRegistry& registry_;
};

}  // namespace spime::runtime
