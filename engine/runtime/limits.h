// The engine's named limits, in one place (as Lua's luaconf.h names its
// LUAI_* limits): what each bounds, its default, the `spime serve` flag that
// tunes it, and where it is enforced. A limit crossed is a clear error, and
// the server stays healthy. RELIABILITY.md ("Limits and fairness") lists the test that
// crosses each one; the README's "Running in production" is the operator's view.
//
// Defaults that belong to the engine are defined HERE and only here
// (EngineOptions and Services take them from this header). Limits of the
// language (engine/krl/limits.h: krl::Limits, kMaxJsonDepth) and of the HTTP
// server (channels/http_server.h: HttpServerOptions) keep their one
// definition where they are; the table names them.
//
//   limit                              default            flag / where enforced
//   -------------------------------------------------------------------------------------------
//   request body                       HttpServerOptions  (no flag) http_server.cpp: 413
//                                      ::max_body_bytes
//   request header size                HttpServerOptions  (no flag) http_server.cpp: 431
//                                      ::max_header_bytes
//   JSON depth (attributes, entity     krl::kMaxJsonDepth (no flag) krl/json.cpp: 400
//     values)
//   KRL steps per evaluation           krl::Limits        (no flag) EvalContext::step: 500
//                                      ::max_steps
//   KRL recursion per evaluation       krl::Limits        (no flag) krl/eval_functions.cpp: 500
//                                      ::max_call_depth
//   KRL string / collection size       krl::Limits        (no flag) stdlib: 500
//   time per event schedule            kEventBudget       --event-budget-ms
//                                                         EvalContext::check_clock: 500
//   time per query                     kQueryBudget       --query-budget-ms: 500
//   schedule length (events raised     kMaxScheduleLength (no flag) pico/runtime_host.cpp: 500
//     by one event, itself included)   (event_schedule.h)
//   scheduled events per ruleset on    kMaxScheduledEvents --max-scheduled-events
//     a pico (schedule:at / repeat)                       pico/runtime_host.cpp: 500
//   mailbox per pico                   kPicoQueueLimit    --pico-queue-limit: 503
//   commit queue (batches waiting      kMaxPendingCommits (no flag) store/committer: 503
//     for the WAL)
//   open connections                   HttpServerOptions  --max-connections (closed)
//                                      ::max_connections
//   idle / slow-client timeouts        HttpServerOptions  (no flag) http_server.cpp
//                                      ::header_timeout, ::body_timeout
//   outbox (events for other engines)  kOutboxCapacity    --outbox-capacity: 503
//   live streams, and their buffers    kMaxWatchers,      --max-watchers: 503,
//                                      kWatcherBuffer     --watcher-buffer (dropped)
//   episode log per pico               kPicoLogMaxCount   --pico-log-max-count (oldest go)
//   events per second per channel      kChannelRate       --channel-rate, --channel-burst,
//                                      (0: none)          a prototype channel's rate_limit:
//                                                         channel/rate_limiter.h: 429
//
// Thread-safety: constants only.
#pragma once

#include <chrono>
#include <cstddef>

namespace spime::runtime::limits {

// Wall-clock time one event schedule may run (its rules and the events they
// raise, on one pico), and one query. Past it the evaluation stops at its
// next check (a few milliseconds of work at most, EvalContext::check_clock),
// writes nothing, and is answered as a rule error (500) naming the budget;
// the pico goes on to its next message.
//
// Why 5 s: the CAF scheduler has one thread per core, so on this 2-core
// machine two runaway rules hold every pico for as long as they run; 5 s
// bounds that stall while leaving two orders of magnitude above what the
// shipped rulesets take (milliseconds). It also matches the outbox's
// timeout for one POST to another engine (EngineOptions::outbox_timeout):
// an event that ran longer would be sent again by the outbox while it still
// ran. A query is read-only and should be quicker still, but shares the
// default: a dashboard query over a large pico may walk all its state.
inline constexpr std::chrono::milliseconds kEventBudget{5000};
inline constexpr std::chrono::milliseconds kQueryBudget{5000};

// Entries a ruleset's schedule (schedule:list) may hold on one pico; one
// more `schedule ... at/repeat` fails the rule. Each entry is also a timer
// key in the store; without a bound a rule in a loop could fill both.
inline constexpr std::size_t kMaxScheduledEvents = 10000;

// Messages (events and queries) waiting at one pico; beyond, 503.
inline constexpr std::size_t kPicoQueueLimit = 1024;
// Batches waiting for the committer; beyond, 503.
inline constexpr std::size_t kMaxPendingCommits = 16384;
// Events waiting for other engines; beyond, the sending event is 503.
inline constexpr std::size_t kOutboxCapacity = 10000;
// Live event streams open at once, and events each holds for a slow client.
inline constexpr std::size_t kMaxWatchers = 1000;
inline constexpr std::size_t kWatcherBuffer = 256;
// Episodes each pico's log keeps (the oldest are dropped).
inline constexpr std::size_t kPicoLogMaxCount = 200;

// The per-channel rate limit (channel/rate_limiter.h) for channels whose
// record sets none: events per second (0: no limit) and burst. Off by
// default: the benchmarks post thousands of events a second to one channel,
// and a deployment knows its devices' rates better than any default. A
// prototype's channel may set its own (`rate_limit: {per_second, burst}`).
inline constexpr double kChannelRate = 0;
inline constexpr double kChannelBurst = 0;  // 0: one second's worth (>= 1)
// Channels with a live bucket at most (idle ones are dropped first).
inline constexpr std::size_t kMaxRateBuckets = 100000;

}  // namespace spime::runtime::limits
