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

// ctx:eventWait / ctx:eventQuery: an event for another pico, and for
// eventQuery the query to run on that pico once the event's schedule is done.
struct WaitedEvent {
  std::string eci;
  std::string domain;
  std::string name;
  krl::Map attrs;
  bool with_query = false;
  std::string query_rid;
  std::string query_name;
  krl::Map query_args;
};

struct WaitOutcome {
  bool ok = false;
  int status = 200;  // as QueryOutcome; 409: the target is the calling pico
  std::string error;
  std::string eid;
  krl::Array directives;
  krl::Value query_value;  // with_query only
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

  // ctx:eventWait / ctx:eventQuery from pico `from_pico_id`: checks the
  // channel's event (and query) policy, runs the event's schedule on the
  // channel's pico, waits until its writes are committed, then runs the
  // query there. An event for the calling pico itself is refused (409): it
  // would wait for the schedule that is waiting. Picos created by the
  // calling schedule do not exist until it commits.
  virtual WaitOutcome event_wait(const std::string& from_pico_id, const WaitedEvent& ev) = 0;
};

}  // namespace spime::runtime
