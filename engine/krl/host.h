// What the pico runtime provides to KRL code while it runs.
//
// The evaluator never touches storage, queues or the network itself: entity
// variables, raised and scheduled events, directives and `last` go through a
// Host. One Host serves one evaluation (an event or a query) on one pico; the
// runtime implements it over its store and schedule, memory_host.h implements
// it over plain maps for tests, `spime krl eval` and the offline runner.
//
// Entity variables are addressed by the rid that owns them, so a module's
// functions (running on behalf of another ruleset) still read their own
// `ent:` variables, as in the reference (pico.getEnt(rid, name)).
// Only `ent:` exists in 1.x: the reference compiler rejects `app:` assignments.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/krl/callable.h"
#include "engine/krl/value.h"

namespace spime::krl {

// Milliseconds since the epoch by std::chrono::system_clock: the time KRL
// reads where no Host says otherwise. Any thread.
inline std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The event being processed (absent while answering a query).
struct CurrentEvent {
  std::string eci;
  std::string eid;
  std::string domain;
  std::string type;
  Value attrs;  // a Map (null when the event had none)
  std::int64_t time_ms = 0;
};

// `raise <domain> event <type> [for <rid>] attributes <attrs>`.
struct RaisedEvent {
  std::string domain;
  std::string type;
  Value attrs;  // whatever the expression gave (null when absent)
  std::optional<std::string> for_rid;
};

// `schedule <domain> event <type> at <time> | repeat <timespec> attributes <attrs>`.
struct ScheduledEvent {
  std::string eci;  // the current event's eci, as the reference
  std::string domain;
  std::string type;
  Value attrs;
  Value at;        // set for `at` (the time expression's value)
  Value timespec;  // set for `repeat` (a cron spec)
  bool repeat = false;
};

class Host {
 public:
  virtual ~Host() = default;

  // Entity variables of ruleset `rid` on the current pico. Whole values: the
  // evaluator does paths (`ent:x{["a","b"]} := v`) by get-modify-put.
  virtual Value get_ent(std::string_view rid, std::string_view name) = 0;
  virtual void put_ent(std::string_view rid, std::string_view name, const Value& value) = 0;
  virtual void del_ent(std::string_view rid, std::string_view name) = 0;

  // Adds an event to the current schedule (processed after this one).
  virtual void raise_event(RaisedEvent event) = 0;
  // The reference's rsCtx.clearSchedule(): drops the events raised so far
  // (used by `error error ...`).
  virtual void clear_schedule() = 0;
  // Schedules an event for later; returns what `setting(id)` binds (the id).
  virtual Value schedule_event(ScheduledEvent event) = 0;

  // `send_directive(name, options)`: records the directive; returns it as a
  // Map {"type":"directive","name":..,"options":..,"meta":{rid,rule_name,txnId}}.
  virtual Value send_directive(std::string_view name, const Value& options) = 0;

  // `error error <expr>`: after raising system:error (as the reference), the
  // ruleset declares the current event bad. What that means is the runtime's
  // choice (spime refuses the event, see event_schedule.h); ignored by default.
  virtual void declare_event_error(const std::string& message) {}

  // `last`: no further rules of this ruleset are selected for this event.
  virtual void stop_rule_selection() = 0;

  // Which rule runs now (empty rule_name: none), for directive meta and logs.
  virtual void set_current_rule(std::string_view rid, std::string_view rule_name) = 0;

  // The ruleset whose code runs now: what ctx:rid, meta:rid, ctx:rid_config
  // and schedule: refer to. A module's function runs as its own ruleset, as
  // in the reference (its closures keep their ruleset's context): the
  // evaluator switches to the function's rid for the length of the call and
  // back after it, whatever the call throws. Hosts without rulesets ignore it.
  virtual const std::string& running_rid() const {
    static const std::string kNone;
    return kNone;
  }
  virtual void set_running_rid(const std::string& rid) {}

  // The current event; nullptr during a query.
  virtual const CurrentEvent* current_event() const = 0;

  // `log <level> <expr>` and errors the runtime should record.
  virtual void log(LogLevel level, std::string_view rid, const std::string& message) = 0;

  // Wall time for time:now() and the dates of today time:* reads
  // (milliseconds since the epoch). The runtime answers from its engine's
  // clock (which tests may drive); by default the system clock. Called on
  // the evaluation's thread.
  virtual std::int64_t now_ms() { return system_now_ms(); }
};

}  // namespace spime::krl
