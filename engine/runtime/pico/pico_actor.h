// The pico actor: how the engine runs one pico, one message at a time.
//
// Every pico has ONE FIFO, its inbox, for the events and queries sent to it
// (as the reference's PicoQueue): a query queued after an event sees that
// event's effects. Messages:
//
//   RunEvent  one event with its whole schedule (raise included), as ONE
//             transaction: its writes and the picos it creates commit in one
//             batch, or nothing does. Sent by admission (HTTP, scheduled
//             events, event:send from other picos). `done` (optional) gets
//             {eid, directives} or the Status of the failure; with
//             `then_query`, the query runs right after the event in the same
//             turn and `query_done` gets its value (the event's failure
//             fails it).
//             An event delivered by another engine's outbox
//             (IncomingEvent::delivery) that this pico accepted before is
//             answered {eid, []} without running (delivery_records.h).
//   RunQuery  one shared function, read-only. `done` gets its value.
//
// post() is bounded: a full inbox refuses with kUnavailable (503), a deleted
// pico with kNotFound; the message is dropped, its callbacks uncalled.
//
// Local delivery (records/local_delivery_records.h): submit() writes a record
// of each event a transaction sends to a pico of this engine in the
// transaction's own batch; the receiver's run erases it in its batch, or, when
// it refuses the event for good (deleted pico, failed schedule), in a batch of
// its own. One it cannot run now (kUnavailable) keeps its record for the next
// start, which posts it again (Engine::open).
//
// An answer is a promise (DESIGN.md): `done` is called only once everything
// the message wrote, and everything it read that others wrote, is durable
// (the transaction's batch and its Transaction::depends_on, through the
// committer's when_durable), and after the events it sent to local picos
// are queued at their targets (post-commit observers, post_commit.h). So a
// request that arrives after an answer sees all of it, and no answer shows
// a write a crash could lose.
//
// Nested calls: a schedule on pico A that calls ctx:query, ctx:eventWait or
// ctx:eventQuery on an existing pico B runs the call on A's thread, under
// B's run lock, after running everything already waiting in B's inbox (so
// the call takes its place at the end of B's FIFO, as in the reference) but
// without blocking a scheduler thread on a message that has not run. The
// lock wait is bounded (kNestedLockWait): two picos calling each other fail
// instead of hanging, and a call into a pico this thread already runs fails
// at once (kConflict). A nested event is B's own transaction (committed on
// its own; A's answer waits for it); a pico created by A's transaction is
// not reached here but inside it (services.h).
//
// Where a pico runs: on its CAF executor, unless its installed rulesets call
// a blocking module (http) in their rules or plain globals
// (RulesetRegistry::needs_io_thread) or a blocking call was refused while it
// ran on a CAF worker (PicoSlot::wants_io). Such a pico is drained on the I/O
// pool (io_pool.h): drain() on a CAF worker hands the drain over and returns,
// the slot staying kicked, so its FIFO keeps its order. Its queries (HTTP
// /sky/cloud included) run there too.
//
// A refused blocking call (http inside a function, found only when it runs:
// wrangler:skyQuery, a subscription's health) fails the message that made
// it; when nothing of that failed run outlives it (no nested event committed
// on another pico), the message goes back to the head of the pico's FIFO and
// runs again on the pool, so the client sees one answer, as if it had run
// there from the start. Otherwise the failure is the answer, and the pico
// is on the pool for its next messages.
//
// A nested call from a thread that may not block (a CAF worker draining a
// pico without http) into a pico that runs on the pool does not run that
// pico's waiting messages (they may block; its own drain runs them on the
// pool), so the call goes ahead of them; an http call inside it is refused
// (it never blocks the worker) and the calling pico's message is retried on
// the pool as above.
//
// Episodes: every event a pico runs leaves one in the pico's log
// (logs/episode_log.h), in the event's own batch (a failed event's in a
// batch of its own, which the failure's answer waits for), unless the
// engine, the pico or the channel turned them off; once durable, the episode
// goes to the watch hub's watchers (streams/watch_hub.h). Every query it
// answers for a client (RunQuery, then_query) leaves one too, in a batch of
// its own that no answer waits for (logs/episode_log.h); a nested ctx:query
// from another pico's run does not.
//
// Who may call: post() from any thread; drain() only from the pico's
// executor or the I/O pool; nested_*() and hold() only from a thread running
// a schedule.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/io_pool.h"
#include "engine/runtime/pico/pico_slot.h"
#include "engine/runtime/pico/services.h"

namespace caf {
class actor_system;
}

namespace spime::store {
class Store;
}

namespace spime::runtime {

class ChannelIndex;
class PicoTable;
class PostCommit;
class RulesetRegistry;
// What running picos needs from the engine around it.
struct PicoRuntime {
  store::Store& store;
  RulesetRegistry& registry;
  Services& services;
  ChannelIndex& channels;
  PicoTable& picos;
  PostCommit& post_commit;
  size_t inbox_limit;
  std::function<void(const std::string&)> log;
  // Events for other engines: their records go into the sending batch (submit()).
  class Outbox* outbox = nullptr;
  // Each event's episode (logs/episode_log.h): kept in the event's batch, and
  // published to the hub's watchers once durable (null: no streams).
  EpisodeLogOptions episodes{};
  class WatchHub* hub = nullptr;
};

class PicoActors {
 public:
  static constexpr auto kNestedLockWait = std::chrono::seconds(5);
  // Messages one drain runs before it yields its scheduler thread.
  static constexpr int kDrainBatch = 32;

  // `io`: the I/O pool's threads and the limits of the calls made there.
  explicit PicoActors(PicoRuntime runtime, IoPool::Options io = IoPool::Options());

  const IoPool& io_pool() const { return io_; }
  // Stops the I/O pool (IoPool::stop): the engine's shutdown, before it destroys the store and
  // the actor system that the pool's drains use.
  void stop_io() { io_.stop(); }

  // `over_limit`: queued even when the inbox is full (the records replayed at a start, which
  // were accepted before).
  api::Status post(const std::shared_ptr<PicoSlot>& slot, PicoMessage message,
                   bool over_limit = false);
  void drain(const std::shared_ptr<PicoSlot>& slot);

  api::Result<WaitAnswer> nested_event(Transaction& caller, const ChannelRecord& channel,
                                       const WaitedEvent& event);
  api::Result<krl::Value> nested_query(Transaction& caller, const ChannelRecord& channel,
                                       const QueryCall& query);
  // Holds pico `pico_id` (its run lock, in `caller`) until the caller's transaction ends, and
  // answers its current state: for ctx:delPico.
  api::Result<PicoState*> hold(Transaction& caller, const std::string& pico_id);

  // Local delivery records are numbered from `next` on (Engine::open, above every stored one,
  // before any transaction is submitted).
  void resume_local_seq(std::uint64_t next) {
    next_local_seq_.store(next, std::memory_order_relaxed);
  }
  // Erases local delivery record `seq` in a batch of its own, for an event refused for good;
  // answers its commit number (0: the committer was full, the record stays for the next start).
  std::uint64_t forget_local(std::uint64_t seq);

  // An episode to publish to the watchers once its batch is durable.
  struct Published {
    std::string pico_id;
    std::uint64_t seq = 0;
    EpisodeEvent event;
    std::vector<EpisodeEvent> readings;  // for collections' watchers (streams/collection_members.h)
  };

  // Answers `reply` once `seq` is durable, after delivering `outgoing` and
  // publishing `published` (post-commit).
  void finish(std::uint64_t seq, std::vector<OutgoingEvent> outgoing,
              std::function<void(const api::Status&)> reply,
              std::optional<Published> published = std::nullopt);

 private:
  class RunLock;
  class NestedRunLock;
  void run(PicoSlot& slot, PicoMessage& message) SPIME_REQUIRES(slot.run_mu);
  bool retry_on_pool(PicoSlot& slot, bool flagged_before, const Transaction& txn) const;
  void requeue(PicoSlot& slot, PicoMessage message);
  void run_event(PicoSlot& slot, RunEvent& message) SPIME_REQUIRES(slot.run_mu);
  // The ids accepted on delivery-log `key` of `slot` (pending ones first, then the store); the
  // caller holds run_mu.
  DeliveryLog delivery_log(PicoSlot& slot, const std::string& key) SPIME_REQUIRES(slot.run_mu);
  void run_query(PicoSlot& slot, RunQuery& message) SPIME_REQUIRES(slot.run_mu);
  // Runs what waits in the inbox now (the caller holds run_mu).
  void run_waiting(PicoSlot& slot) SPIME_REQUIRES(slot.run_mu);
  // Whether `slot` must run on the I/O pool (the caller holds run_mu; loads the state when
  // something waits and it is not loaded yet).
  bool needs_io(PicoSlot& slot) SPIME_REQUIRES(slot.run_mu);
  PicoState* state_of(PicoSlot& slot, api::Status* error) SPIME_REQUIRES(slot.run_mu);
  void refresh_instances(PicoSlot& slot) SPIME_REQUIRES(slot.run_mu);
  // Submits `txn` written by a schedule on `slot`; hands its created picos, deletions and
  // channel changes to the table and the index. kUnavailable when the committer is full (the
  // slot's state, which holds the transaction's writes, is dropped).
  api::Status submit(PicoSlot& slot, Transaction& txn) SPIME_REQUIRES(slot.run_mu);
  // Whether the episode of what came in on `eci` is kept (the engine's switch, the channel's
  // tag, the pico's setting).
  bool keeps_episode(PicoState& state, const std::string& eci) const;
  // A query's episode, when kept: the recorder to run it with (nullopt: not kept).
  std::optional<EpisodeRecorder> query_recorder(PicoState& state, const QueryCall& query) const;
  // After a query ran: its episode, in a batch of its own that nobody waits for.
  void add_query_episode(PicoState& state, const QueryCall& query, std::string txn_id,
                         const api::Result<krl::Value>& value, EpisodeRecorder& rec);
  // After a successful schedule: its episode joins `txn`'s batch.
  std::optional<Published> add_episode(PicoState& state, const IncomingEvent& event,
                                       const EventOutcome& out, EpisodeRecorder& rec,
                                       Transaction& txn);
  // After a submitted one: a watched collection whose members it rewrote tells the hub.
  void note_members(PicoState& state, const EventOutcome& out);
  // After a failed one (its transaction dropped): its episode in a batch of its own. Answers
  // that batch's commit number (0: none), which the failure's answer waits for.
  std::uint64_t write_failed_episode(PicoSlot& slot, PicoState& state, const IncomingEvent& event,
                                     const api::Status& failure, EpisodeRecorder& rec)
      SPIME_REQUIRES(slot.run_mu);

  PicoRuntime rt_;
  // The next local delivery record's number (submit(), under the sender's run lock).
  std::atomic<std::uint64_t> next_local_seq_{1};
  IoPool io_;  // last: its threads stop first
};

// A new pico executor on `system` that drains through `actors` (which must outlive it).
PicoExecutor spawn_pico_executor(caf::actor_system& system, PicoActors& actors);

}  // namespace spime::runtime
