// Processing ONE event (with everything it raises) or ONE query on ONE pico.
//
// run_event follows the reference (pico-framework Pico.doTxn + select-when):
//  * the schedule starts with (rid, event) for every installed ruleset, in
//    install order; `raise` appends (rid, raised) for every installed ruleset
//    or only `for` rid; entries run first-in first-out;
//  * for one (rid, event), the ruleset's rules are visited in rule order: a
//    rule whose select-when is salient for the event is fed (state from the
//    PicoState, changes to an overlay) and, when selected, run at once with
//    run_rule; `last` stops visiting further rules of that ruleset for that
//    event (they are not fed either);
//  * at most kMaxScheduleLength entries run per incoming event: more is an
//    error ("event schedule exceeded N entries ...");
//  * atomic: entity writes, select-when states and structural changes
//    (ctx:newChannel, install, newPico, ...) go to an overlay; on success they
//    are applied to the PicoState and encoded into ONE WriteBatch (outcome.
//    batch) for the caller to commit; on any error nothing is applied and the
//    batch is empty. As the reference, an error does not raise system:error:
//    it ends the schedule and the event answers with it (status 500, text
//    "<rid> rule <rule> at <line>:<col>: <message>").
//  * `error error <expr>` (KRL's user-level error) ends the schedule as the
//    reference does (last, clear the schedule, raise system:error, which
//    still runs); then, unlike the reference's 200, the event is refused:
//    status 400, error = the expression's value as a string, nothing applied.
//
// run_query is read-only: it never writes the PicoState or the store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/value.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/services.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

constexpr size_t kMaxScheduleLength = 1000;

struct IncomingEvent {
  std::string eci;
  std::string eid;
  std::string domain;
  std::string name;
  krl::Value attrs;  // a Map (shared with the request: not copied)
  std::int64_t time_ms = 0;
};

// event:send / ctx:event to another pico, delivered by the caller after the
// batch commits (fire and forget, as the reference).
struct OutgoingEvent {
  std::string eci;
  std::string domain;
  std::string name;
  krl::Value attrs;
  std::string host;  // non-empty: an external engine (sky API); not delivered offline
};

// One entry the schedule ran (for the offline runner and tests).
struct ScheduledEntry {
  std::string rid;
  std::string domain;
  std::string name;
  krl::Value attrs;
};

struct EventOutcome {
  bool ok = false;
  int status = 200;
  std::string error;
  krl::Array directives;
  store::WriteBatch batch;
  std::vector<OutgoingEvent> outgoing;
  // What ran: the incoming event and every raised event, per rid. Raised
  // events only (not the incoming one) are in `raised`.
  std::vector<ScheduledEntry> raised;
  // Entity variables written by the schedule: (rid, name) -> value (null
  // when deleted), in first-write order.
  std::vector<std::pair<std::pair<std::string, std::string>, krl::Value>> entvars;
};

EventOutcome run_event(PicoState& pico, const IncomingEvent& event, Services& services);

// `args`: the query's arguments by name (from the request or ctx:query).
QueryOutcome run_query(PicoState& pico, const std::string& eci, const std::string& rid,
                       const std::string& name, const krl::Map& args, Services& services);

}  // namespace spime::runtime
