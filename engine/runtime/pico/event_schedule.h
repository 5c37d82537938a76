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
//    are applied to the PicoState and appended to the Transaction (ONE batch
//    for the caller to commit, with the nested runs on created picos); on any
//    error nothing is applied and the caller drops the Transaction. As the
//    reference, an error does not raise system:error: it ends the schedule
//    and the event answers with it (Status kRuleError, text
//    "<rid> rule <rule> at <line>:<col>: <message>").
//  * `error error <expr>` (KRL's user-level error) ends the schedule as the
//    reference does: the rule stops, the schedule is cleared, system:error
//    is raised (and runs), and the event succeeds with the directives so far
//    and every write of its handlers. `error info|warn|debug` raise
//    system:error and go on.
//
//  * interrupted (Services::interrupt set while it runs: the engine is
//    stopping): nothing is applied, Status kUnavailable (503), not a rule
//    error: the event may be sent again.
//  * past its time budget (Services::event_budget, query_budget for a query;
//    limits.h): the evaluation stops at its next clock check, nothing is
//    applied, and it is a rule error ("... time budget exceeded ..."): the
//    same event would run past it again.
//
// run_query is read-only: it never writes the PicoState or the store; what
// it reads of other picos (ctx:query) is recorded in the Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/api/status.h"
#include "engine/krl/callable.h"
#include "engine/krl/value.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/pico/services.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/delivery_records.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::runtime {

constexpr size_t kMaxScheduleLength = 1000;

struct IncomingEvent {
  std::string eci;
  std::string eid;
  std::string domain;
  std::string name;
  krl::Value attrs;  // a Map (shared with the request: not copied)
  std::int64_t time_ms = 0;
  std::optional<ScheduleFiring> firing = std::nullopt;  // a scheduled event coming due
  // Delivered by another engine's outbox: run at most once per pico (the
  // pico actor checks it; records/delivery_records.h). Empty otherwise.
  DeliveryId delivery{};
  // An event:send from a pico of this engine: its local delivery record
  // (records/local_delivery_records.h), erased with the event's schedule. 0 otherwise.
  std::uint64_t local_record = 0;
};

// One entry the schedule ran (for the offline runner and tests).
struct ScheduledEntry {
  std::string rid;
  std::string domain;
  std::string name;
  krl::Value attrs;
};

struct EventOutcome {
  api::Status status;  // ok, or why the schedule failed (then drop the Transaction)
  krl::Array directives;
  // What ran: the incoming event and every raised event, per rid. Raised
  // events only (not the incoming one) are in `raised`.
  std::vector<ScheduledEntry> raised;
  // The message of the first `error error` of the schedule (which ended it,
  // the event still succeeding), if any.
  std::optional<std::string> user_error;
  // Entity variables written by the schedule: (rid, name) -> value (null
  // when deleted), in first-write order.
  std::vector<std::pair<std::pair<std::string, std::string>, krl::Value>> entvars;
};

// `episode` (optional): where the schedule's episode lines go (logs/episode_log.h):
// the events added to the schedule, each rule selected and whether it fired, klog and
// `log` output. The caller adds the rest (directives, errors, the end).
EventOutcome run_event(PicoState& pico, const IncomingEvent& event, Services& services,
                       Transaction& txn, EpisodeRecorder* episode = nullptr);

// `query.args`: the query's arguments by name (from the request or ctx:query).
// `episode` (optional): where its klog and `log` output goes; the caller adds the end.
api::Result<krl::Value> run_query(PicoState& pico, const QueryCall& query, Services& services,
                                  Transaction& txn, EpisodeRecorder* episode = nullptr);

}  // namespace spime::runtime
