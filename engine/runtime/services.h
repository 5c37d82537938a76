// Services: what the pico runtime needs from the engine around it while it
// processes one event or query on one pico.
//
// The runtime never reaches another pico's in-memory state directly: it goes
// through this interface, which the engine implements over its actors and
// LocalServices (local_services.h) implements in-process over the store and
// the registry (offline runner, tests). Implementations must be safe to call
// from the pico's thread while other picos run on other threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/krl/callable.h"
#include "engine/krl/value.h"
#include "engine/runtime/records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class RulesetRegistry;

struct QueryOutcome {
  bool ok = false;
  int status = 200;  // 200, 400 (bad request), 403 (policy), 404 (unknown), 500 (KRL error)
  krl::Value value;
  std::string error;
};

class Services {
 public:
  virtual ~Services() = default;

  virtual RulesetRegistry& registry() = 0;
  virtual store::Store& store() = 0;

  // Milliseconds since the epoch (event time of raised events).
  virtual std::int64_t now_ms() = 0;
  // The engine's base url for meta:host ("" offline).
  virtual std::string host_url() { return ""; }
  // Fresh ids (pico ids, ECIs, eids).
  virtual std::string new_id() = 0;
  // Limits for each evaluation.
  virtual krl::Limits limits() { return {}; }

  // A committed channel (nullopt when unknown).
  virtual std::optional<ChannelRecord> channel(const std::string& eci) = 0;

  // ctx:query to another pico, by ECI, with that channel's query policy.
  // Read-only; sees committed state.
  virtual QueryOutcome query(const std::string& eci, const std::string& rid,
                             const std::string& name, const krl::Map& args) = 0;
};

}  // namespace spime::runtime
