#include "engine/runtime/pico/pico_actor.h"

#include <caf/all.hpp>

#include <algorithm>

#include "engine/base/tsan.h"
#include "engine/logging/log.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/caf_spawn.h"
#include "engine/runtime/outbound/outbox.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/runtime/pico/post_commit.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/local_delivery_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/storage_status.h"
#include "engine/runtime/streams/collection_members.h"
#include "engine/runtime/streams/watch_hub.h"
#include "engine/store/committer.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

// Drain requests carry the slot and never leave this process: no serialisation.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<spime::runtime::PicoSlot>)

namespace spime::runtime {

using api::Result;
using api::Status;

// ---- the executor ------------------------------------------------------------------------------

struct PicoExecutor::Impl {
  caf::actor actor;
};

void PicoExecutor::kick(const std::shared_ptr<PicoSlot>& slot) const {
  tsan_release(impl_.get());  // the handler acquires: engine/base/tsan.h
  caf::anon_send(impl_->actor, slot);
}

void PicoExecutor::stop() const {
  caf::anon_send_exit(impl_->actor, caf::exit_reason::user_shutdown);
}

PicoExecutor spawn_pico_executor(caf::actor_system& system, PicoActors& actors) {
  // Picos are activated on threads of ours too (HTTP I/O, the I/O pool, the committer, the
  // timer): caf_spawn.h says why such a spawn must give CAF's logger back.
  auto impl = std::make_shared<PicoExecutor::Impl>();
  const void* handoff = impl.get();
  impl->actor =
      spawn_from_any_thread(system, [&actors, handoff](caf::event_based_actor*) -> caf::behavior {
        return {[&actors, handoff](const std::shared_ptr<PicoSlot>& slot) {
          tsan_acquire(handoff);
          actors.drain(slot);
        }};
      });
  return PicoExecutor(std::move(impl));
}

// ---- run locks -----------------------------------------------------------------------------

namespace {

// The slots whose run lock this thread holds: a nested call into one of them
// would wait for itself.
thread_local std::vector<const PicoSlot*> t_running;

// Takes slot's place in the thread's chain of held run locks, and gives it back.
void enter_chain(const PicoSlot* slot) {
  t_running.push_back(slot);
}
void leave_chain(const PicoSlot* slot) {
  auto it = std::find(t_running.begin(), t_running.end(), slot);
  if (it != t_running.end()) t_running.erase(it);
}

}  // namespace

// The slot's run lock for a scope, waiting as long as it takes: the pico's own
// actor (holders are bounded). The analysis (thread_annotations.h) follows it.
class SPIME_SCOPED_CAPABILITY PicoActors::RunLock {
 public:
  explicit RunLock(const std::shared_ptr<PicoSlot>& slot) SPIME_ACQUIRE(slot->run_mu)
      : slot_(slot) {
    slot_->run_mu.lock();
    enter_chain(slot_.get());
  }
  ~RunLock() SPIME_RELEASE() {
    leave_chain(slot_.get());
    slot_->run_mu.unlock();
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::shared_ptr<PicoSlot> slot_;
};

// The slot's run lock for a nested call: waited for at most `wait`, and
// refused at once when this thread's chain of calls holds it already;
// status() says why not. The analysis cannot follow a lock that may fail:
// once ok() said so, the caller states slot->run_mu.assert_held().
class PicoActors::NestedRunLock {
 public:
  NestedRunLock(std::shared_ptr<PicoSlot> slot, std::chrono::milliseconds wait)
      : slot_(std::move(slot)) {
    if (std::find(t_running.begin(), t_running.end(), slot_.get()) != t_running.end()) {
      status_ = Status::conflict("pico " + slot_->id +
                                 " is already in this chain of calls (a call cycle)");
      return;
    }
    if (!slot_->run_mu.try_lock_for(wait)) {
      status_ = Status::unavailable("pico " + slot_->id + " stayed busy for " +
                                    std::to_string(wait.count() / 1000) + " s");
      return;
    }
    locked_ = true;
    enter_chain(slot_.get());
  }
  ~NestedRunLock() SPIME_NO_THREAD_SAFETY_ANALYSIS {
    if (!locked_) return;
    leave_chain(slot_.get());
    slot_->run_mu.unlock();
  }
  NestedRunLock(const NestedRunLock&) = delete;
  NestedRunLock& operator=(const NestedRunLock&) = delete;

  bool ok() const { return locked_; }
  const Status& status() const { return status_; }

 private:
  std::shared_ptr<PicoSlot> slot_;
  bool locked_ = false;
  Status status_;
};

// ---- the inbox ------------------------------------------------------------------------------

Status PicoActors::post(const std::shared_ptr<PicoSlot>& slot, PicoMessage message,
                        bool over_limit) {
  MutexLock lock(slot->inbox_mu);
  if (slot->deleted) return Status::not_found("Pico not found: " + slot->id);
  if (!over_limit && slot->inbox.size() >= rt_.inbox_limit) {
    return Status::unavailable("pico " + slot->id + " is busy, retry later");
  }
  slot->inbox.push_back(std::move(message));
  slot->queued.store(slot->inbox.size(), std::memory_order_relaxed);
  if (!slot->kicked) {
    slot->kicked = true;
    slot->executor.kick(slot);
  }
  return Status::ok();
}

namespace {

// The next message, or nullopt (then the slot is no longer kicked when `unkick`).
std::optional<PicoMessage> pop(PicoSlot& slot, bool unkick) {
  MutexLock lock(slot.inbox_mu);
  if (slot.inbox.empty()) {
    if (unkick) slot.kicked = false;
    return std::nullopt;
  }
  PicoMessage m = std::move(slot.inbox.front());
  slot.inbox.pop_front();
  slot.queued.store(slot.inbox.size(), std::memory_order_relaxed);
  return m;
}

void fail(PicoMessage& m, const Status& s) {
  if (auto* e = std::get_if<RunEvent>(&m)) {
    if (e->done) e->done(s);
    if (e->query_done) e->query_done(s);
  } else if (auto* q = std::get_if<RunQuery>(&m)) {
    if (q->done) q->done(s);
  }
}

}  // namespace

PicoActors::PicoActors(PicoRuntime runtime, IoPool::Options io)
    : rt_(std::move(runtime)), io_(io) {}

void PicoActors::drain(const std::shared_ptr<PicoSlot>& slot) {
  const bool on_pool = io_.on_pool_thread();
  ThreadRoleScope role(on_pool ? ThreadRole::kIo : ThreadRole::kScheduler, &slot->wants_io);
  for (int i = 0; i < kDrainBatch; ++i) {
    RunLock lock(slot);
    if (!on_pool && needs_io(*slot)) {
      // The slot stays kicked: nothing else drains it until the pool has.
      io_.submit([this, slot] { drain(slot); });
      return;
    }
    std::optional<PicoMessage> m = pop(*slot, /*unkick=*/true);
    if (!m) return;
    run(*slot, *m);
  }
  // More may wait: give the thread to other picos, then come back.
  MutexLock lock(slot->inbox_mu);
  if (slot->inbox.empty()) {
    slot->kicked = false;
  } else if (on_pool) {
    io_.submit([this, slot] { drain(slot); });
  } else {
    slot->executor.kick(slot);
  }
}

bool PicoActors::needs_io(PicoSlot& slot) {
  if (slot.wants_io.load(std::memory_order_relaxed)) return true;
  if (slot.deleted) return false;
  if (!slot.state) {
    if (slot.queued.load(std::memory_order_relaxed) == 0) return false;
    Status error;
    // A failed load is the message's to report; it may have failed on a refused blocking call
    // (a global calling http), which flags the slot: then the pool loads it again.
    if (!state_of(slot, &error)) return slot.wants_io.load(std::memory_order_relaxed);
  }
  std::uint64_t generation = rt_.registry.generation();
  if (slot.io_installs_version != slot.state->installs_version() ||
      slot.io_generation != generation) {
    bool io = false;
    for (const Installation& inst : slot.state->installations()) {
      if (inst.ruleset && rt_.registry.needs_io_thread(*inst.ruleset)) {
        io = true;
        break;
      }
    }
    slot.io_bound = io;
    slot.io_installs_version = slot.state->installs_version();
    slot.io_generation = generation;
  }
  return slot.io_bound;
}

void PicoActors::run_waiting(PicoSlot& slot) {
  // A thread that may not block leaves a pool pico's messages to its own drain (pico_actor.h).
  if (current_thread_role() == ThreadRole::kScheduler && needs_io(slot)) {
    blocking_allowed();  // false here: flags the calling pico for the pool
    return;
  }
  // A blocking call refused in one of them flags this pico, not the caller's: that message goes
  // back to the head of this FIFO (run_event/run_query) for the pool, and so does the rest.
  const bool scheduler = current_thread_role() == ThreadRole::kScheduler;
  std::optional<ThreadRoleScope> role;
  if (scheduler) role.emplace(ThreadRole::kScheduler, &slot.wants_io);
  // Only what is queued now: the call takes its place behind it, not behind later arrivals.
  size_t n = slot.queued.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (scheduler && slot.wants_io.load(std::memory_order_relaxed)) return;
    std::optional<PicoMessage> m = pop(slot, /*unkick=*/false);
    if (!m) return;
    run(slot, *m);
  }
}

// A blocking call refused on a CAF worker flags the drained pico (wants_io).
// When that made the message fail and nothing of the failed run outlives it
// (the transaction is dropped; no nested event committed elsewhere), the
// message is run again from the start on the I/O pool, in its place at the
// head of the FIFO: what the first run did is as if it never happened.
bool PicoActors::retry_on_pool(PicoSlot& slot, bool flagged_before, const Transaction& txn) const {
  return current_thread_role() == ThreadRole::kScheduler && !flagged_before &&
         slot.wants_io.load(std::memory_order_relaxed) && !txn.has_lasting_effects;
}

void PicoActors::requeue(PicoSlot& slot, PicoMessage message) {
  MutexLock lock(slot.inbox_mu);
  slot.inbox.push_front(std::move(message));
  slot.queued.store(slot.inbox.size(), std::memory_order_relaxed);
  // Still kicked: the drain that ran it sees wants_io and hands the slot to the pool.
}

void PicoActors::run(PicoSlot& slot, PicoMessage& message) {
  if (auto* e = std::get_if<RunEvent>(&message)) {
    run_event(slot, *e);
  } else {
    run_query(slot, std::get<RunQuery>(message));
  }
}

// ---- state ----------------------------------------------------------------------------------

PicoState* PicoActors::state_of(PicoSlot& slot, Status* error) {
  std::uint64_t generation = rt_.registry.generation();
  if (slot.state && slot.ruleset_generation != generation) {
    refresh_instances(slot);
    slot.ruleset_generation = generation;
  }
  if (slot.state && slot.state->pending_raw_size() != 0) {
    slot.state->prune_pending_raw(rt_.store.committer().durable_seq());
  }
  if (!slot.state) {
    std::string err;
    slot.state = PicoState::load(rt_.store, rt_.services, slot.id, &err);
    slot.ruleset_generation = generation;
    if (!slot.state) {
      *error = Status::internal(err);
      return nullptr;
    }
  }
  return slot.state.get();
}

// A ruleset was flushed: installations of an older version get a new
// instance of the registered one (entity variables are untouched), and one
// left unloaded at start (PicoState::unloaded) is installed once registered.
void PicoActors::refresh_instances(PicoSlot& slot) {
  auto& unloaded = slot.state->unloaded();
  for (auto it = unloaded.begin(); it != unloaded.end();) {
    auto current = rt_.registry.get(it->first);
    std::string err;
    if (current && slot.state->install(current, it->second, rt_.services, &err)) {
      it = unloaded.erase(it);
    } else {
      if (current) rt_.log("pico " + slot.id + ": " + it->first + " still not loaded: " + err);
      ++it;
    }
  }
  for (const Installation& inst : std::vector<Installation>(slot.state->installations())) {
    auto current = rt_.registry.get(inst.rid);
    if (!current || current == inst.ruleset) continue;
    std::string err;
    if (!slot.state->install(current, inst.record, rt_.services, &err)) {
      rt_.log("pico " + slot.id + ": keeping the old " + inst.rid + ": " + err);
    }
  }
}

// ---- running messages -----------------------------------------------------------------------

void PicoActors::finish(std::uint64_t seq, std::vector<OutgoingEvent> outgoing,
                        std::function<void(const Status&)> reply,
                        std::optional<Published> published) {
  rt_.store.committer().when_durable(
      seq, [this, outgoing = std::move(outgoing), reply = std::move(reply),
            published = std::move(published)](bool ok, const std::string& error) mutable {
        if (ok && published && rt_.hub) {
          rt_.hub->publish(published->pico_id, published->seq, published->event,
                           published->readings);
        }
        if (ok && !outgoing.empty()) rt_.post_commit.run(outgoing);
        if (reply) reply(ok ? Status::ok() : commit_failure(error));
      });
}

Status PicoActors::submit(PicoSlot& slot, Transaction& txn) {
  // In a cluster, an event without a host for a slot another node owns goes
  // through the outbox to the cluster's address (services.h, cluster_host_of).
  for (OutgoingEvent& e : txn.outgoing) {
    if (e.host.empty() && e.mqtt_topic.empty()) e.host = rt_.services.cluster_host_of(e.eci);
  }
  // Events for other engines: their outbox records join this batch (or the outbox is full).
  Outbox::Staged staged;
  if (rt_.outbox) {
    Status room = rt_.outbox->stage(txn.outgoing, &txn.batch, &staged);
    if (!room.is_ok()) {
      // The state already holds the transaction's writes: drop it, reload what is committed.
      slot.state.reset();
      txn.held.clear();
      return room;
    }
  }
  // Events for picos of this engine: their records join this batch too, so they outlive a crash
  // between this commit and their receivers' (records/local_delivery_records.h).
  for (OutgoingEvent& e : txn.outgoing) {
    if (!e.host.empty() || !e.mqtt_topic.empty()) continue;
    e.local_seq = next_local_seq_.fetch_add(1, std::memory_order_relaxed);
    local_delivery_records::put(&txn.batch, e);
  }
  if (txn.batch.empty()) {
    if (rt_.outbox) rt_.outbox->submitted(staged);
    txn.held.clear();
    return Status::ok();
  }
  store::Committer& committer = rt_.store.committer();
  std::uint64_t seq = committer.try_submit(std::move(txn.batch));
  if (seq == 0) {
    if (rt_.outbox) rt_.outbox->unstage(staged);
    // The state already holds the transaction's writes: drop it, reload what is committed.
    slot.state.reset();
    txn.held.clear();
    return Status::unavailable("engine overloaded, retry later");
  }
  if (rt_.outbox) rt_.outbox->submitted(staged);
  // Before anyone can learn of them (this pico's run lock is still held): the new picos'
  // slots, then the deleted ones, then the channels that lead there.
  // What the schedules wrote outside entity variables stays readable until it is durable.
  if (slot.state) slot.state->seal_pending_raw(seq);
  for (auto& [id, state] : txn.created) {
    state->seal_pending_raw(seq);
    rt_.picos.adopt(id, std::move(state), seq);
  }
  txn.created.clear();
  for (const std::string& id : txn.deleted_picos) {
    std::shared_ptr<PicoSlot> gone = rt_.picos.remove(id);
    if (!gone) continue;
    std::deque<PicoMessage> refused;
    {
      MutexLock lock(gone->inbox_mu);
      gone->deleted = true;
      refused.swap(gone->inbox);
      gone->queued.store(0);
    }
    gone->run_mu.assert_held();  // in Transaction::held (hold())
    gone->state.reset();
    gone->last_seq.store(seq);
    gone->executor.stop();
    for (PicoMessage& m : refused) {
      // An event:send refused for good: its record goes (after the deletion's batch).
      if (auto* e = std::get_if<RunEvent>(&m); e && e->event.local_record != 0) {
        forget_local(e->event.local_record);
      }
      auto answer = std::make_shared<PicoMessage>(std::move(m));
      finish(seq, {},
             [answer](const Status&) { fail(*answer, Status::not_found("Pico deleted")); });
    }
  }
  rt_.channels.stage(txn.channel_changes, seq, committer.durable_seq());
  slot.last_seq.store(seq);
  txn.depend_on(seq);
  txn.held.clear();
  return Status::ok();
}

DeliveryLog PicoActors::delivery_log(PicoSlot& slot, const std::string& key) {
  const std::uint64_t durable = rt_.store.committer().durable_seq();
  for (auto it = slot.pending_deliveries.begin(); it != slot.pending_deliveries.end();) {
    it = it->second.second <= durable ? slot.pending_deliveries.erase(it) : std::next(it);
  }
  auto pending = slot.pending_deliveries.find(key);
  if (pending != slot.pending_deliveries.end()) return pending->second.first;
  DeliveryLog log;
  std::string value;
  if (rt_.store.get(key, &value) && !delivery_records::decode_record(value, &log)) {
    rt_.log("pico " + slot.id + ": a delivery record that does not parse is started afresh");
    log.ids.clear();
  }
  return log;
}

std::uint64_t PicoActors::forget_local(std::uint64_t seq) {
  store::WriteBatch batch;
  local_delivery_records::erase(&batch, seq);
  std::uint64_t commit = rt_.store.committer().try_submit(std::move(batch));
  if (commit == 0) {
    rt_.log("local delivery record " + std::to_string(seq) +
            " kept for the next start: the committer is full");
  }
  return commit;
}

void PicoActors::run_event(PicoSlot& slot, RunEvent& m) {
  logging::Scope log_scope(slot.id, m.event.eid);  // log lines name the pico and the event
  Transaction txn;
  txn.depend_on(m.depends_on);
  txn.depend_on(slot.last_seq.load());
  Status s = slot.deleted ? Status::not_found("Pico not found: " + slot.id) : Status::ok();
  PicoState* state = s.is_ok() ? state_of(slot, &s) : nullptr;
  EventOutcome out;
  // An event another engine's outbox delivered before is answered, not run
  // again (delivery_records.h). Checked here, on the pico's own FIFO: two
  // copies in the inbox run one after the other, and the second sees the
  // first's log (pending_deliveries until it is durable).
  const DeliveryId& delivery = m.event.delivery;
  std::string delivery_key;
  DeliveryLog delivered;
  bool repeat = false;
  if (state && !delivery.empty()) {
    delivery_key = store::keys::delivered(slot.id, m.event.eci, delivery.sender);
    delivered = delivery_log(slot, delivery_key);
    repeat = delivered.contains(delivery.id);
    if (repeat) {
      rt_.log("pico " + slot.id + ": event " + m.event.domain + ":" + m.event.name + " " +
              std::to_string(delivery.id) + " from engine " + delivery.sender +
              " was accepted before: answered, not run again");
    }
  }
  std::optional<Published> published;
  if (state && !repeat) {
    const bool flagged = slot.wants_io.load(std::memory_order_relaxed);
    std::optional<EpisodeRecorder> episode;
    if (keeps_episode(*state, m.event.eci)) episode.emplace();
    out = runtime::run_event(*state, m.event, rt_.services, txn, episode ? &*episode : nullptr);
    if (!out.status.is_ok() && retry_on_pool(slot, flagged, txn)) {
      return requeue(slot, PicoMessage(std::move(m)));
    }
    if (out.status.is_ok() && m.event.local_record != 0) {
      // In the schedule's own batch: the event is owed until its effects commit.
      local_delivery_records::erase(&txn.batch, m.event.local_record);
    }
    if (out.status.is_ok() && !delivery_key.empty()) {
      // In the schedule's own batch: the id is remembered if and only if the event's writes
      // commit.
      delivered.remember(delivery.id);
      txn.batch.put(delivery_key, delivery_records::encode_record(delivered));
    }
    if (episode && out.status.is_ok()) {
      published = add_episode(*state, m.event, out, *episode, txn);
    }
    s = out.status.is_ok() ? submit(slot, txn) : out.status;
    if (!s.is_ok()) published.reset();
    if (s.is_ok()) note_members(*state, out);
    if (episode && !out.status.is_ok()) {
      txn.depend_on(write_failed_episode(slot, *state, m.event, out.status, *episode));
    }
    if (s.is_ok() && !delivery_key.empty()) {
      slot.pending_deliveries[delivery_key] = {std::move(delivered), slot.last_seq.load()};
    }
  }
  // An event:send that did not run: refused for good, its record goes; one that cannot run now
  // (stopping, overloaded, interrupted) keeps it for the next start.
  if (!s.is_ok() && m.event.local_record != 0 && !local_delivery_records::kept_for_later(s)) {
    txn.depend_on(forget_local(m.event.local_record));
  }
  std::optional<Result<krl::Value>> value;
  if (s.is_ok() && m.then_query) {
    // A ruleset the event flushed is already the new version for the query
    // that follows it (as the reference's UI expects of engine_ui:flush).
    Status loaded;
    PicoState* current = state_of(slot, &loaded);
    std::optional<EpisodeRecorder> qrec;
    if (current) qrec = query_recorder(*current, *m.then_query);
    value = current ? runtime::run_query(*current, *m.then_query, rt_.services, txn,
                                         qrec ? &*qrec : nullptr)
                    : Result<krl::Value>(loaded);
    // Its own transaction in the reference (pico-framework's eventQuery: "<eid>.q").
    if (qrec) add_query_episode(*current, *m.then_query, m.event.eid + ".q", *value, *qrec);
  }
  auto result = std::make_shared<api::EventResult>(
      api::EventResult{m.event.eid, krl::Value(std::move(out.directives))});
  // A failed schedule's transaction is dropped (created picos and all); its
  // answer still waits for what it read.
  finish(
      txn.depends_on, s.is_ok() ? std::move(txn.outgoing) : std::vector<OutgoingEvent>{},
      [s, result, value = std::move(value), done = std::move(m.done),
       query_done = std::move(m.query_done)](const Status& durable) {
        const Status& failed = !s.is_ok() ? s : durable;
        if (!failed.is_ok()) {
          if (done) done(failed);
          if (query_done) query_done(failed);
          return;
        }
        if (done) done(std::move(*result));
        if (query_done && value) query_done(*value);
      },
      std::move(published));
}

void PicoActors::run_query(PicoSlot& slot, RunQuery& m) {
  logging::Scope log_scope(slot.id);
  Transaction txn;
  txn.depend_on(m.depends_on);
  txn.depend_on(slot.last_seq.load());
  Status s = slot.deleted ? Status::not_found("Pico not found: " + slot.id) : Status::ok();
  PicoState* state = s.is_ok() ? state_of(slot, &s) : nullptr;
  std::optional<Result<krl::Value>> value;
  if (state) {
    const bool flagged = slot.wants_io.load(std::memory_order_relaxed);
    std::optional<EpisodeRecorder> episode;
    if (!m.internal) episode = query_recorder(*state, m.query);
    value = runtime::run_query(*state, m.query, rt_.services, txn, episode ? &*episode : nullptr);
    if (!value->ok() && retry_on_pool(slot, flagged, txn)) {
      return requeue(slot, PicoMessage(std::move(m)));
    }
    if (episode) add_query_episode(*state, m.query, new_id(), *value, *episode);
    if (m.inspect) m.inspect(*value);
  }
  finish(txn.depends_on, {},
         [s, value = std::move(value), done = std::move(m.done)](const Status& durable) {
           if (!done) return;
           if (!value) return done(s);
           if (!durable.is_ok()) return done(durable);
           done(*value);
         });
}

// ---- nested calls -----------------------------------------------------------------------------

Result<krl::Value> PicoActors::nested_query(Transaction& caller, const ChannelRecord& channel,
                                            const QueryCall& q) {
  auto slot = rt_.picos.acquire(channel.pico_id);
  NestedRunLock lock(slot, kNestedLockWait);
  if (!lock.ok()) return lock.status();
  slot->run_mu.assert_held();
  run_waiting(*slot);
  if (slot->deleted) return Status::not_found("ECI not found " + q.eci);
  Status error;
  PicoState* state = state_of(*slot, &error);
  if (!state) return error;
  caller.depend_on(slot->last_seq.load());
  // No episode (logs/episode_log.h): part of the caller's run, which may ask many picos.
  return runtime::run_query(*state, q, rt_.services, caller);
}

Result<WaitAnswer> PicoActors::nested_event(Transaction& caller, const ChannelRecord& channel,
                                            const WaitedEvent& ev) {
  auto slot = rt_.picos.acquire(channel.pico_id);
  NestedRunLock lock(slot, kNestedLockWait);
  if (!lock.ok()) return lock.status();
  slot->run_mu.assert_held();
  run_waiting(*slot);
  if (slot->deleted) return Status::not_found("ECI not found " + ev.eci);
  Status error;
  PicoState* state = state_of(*slot, &error);
  if (!state) return error;
  // The target's own transaction: it commits on its own, the caller's answer waits for it.
  Transaction own;
  own.depend_on(slot->last_seq.load());
  IncomingEvent in{
      ev.eci, new_id(), ev.domain, ev.name, krl::Value(ev.attrs), rt_.services.now_ms()};
  std::optional<EpisodeRecorder> episode;
  if (keeps_episode(*state, in.eci)) episode.emplace();
  EventOutcome out =
      runtime::run_event(*state, in, rt_.services, own, episode ? &*episode : nullptr);
  caller.depend_on(own.depends_on);
  if (!out.status.is_ok()) {
    if (episode) caller.depend_on(write_failed_episode(*slot, *state, in, out.status, *episode));
    return out.status;
  }
  std::optional<Published> published;
  if (episode) published = add_episode(*state, in, out, *episode, own);
  Status s = submit(*slot, own);
  if (!s.is_ok()) return s;
  note_members(*state, out);
  caller.has_lasting_effects = true;
  caller.depend_on(own.depends_on);
  WaitAnswer answer{in.eid, std::move(out.directives), krl::Value(), std::move(out.user_error)};
  finish(own.depends_on, std::move(own.outgoing), nullptr, std::move(published));
  if (ev.with_query) {
    auto v =
        runtime::run_query(*state, QueryCall{ev.eci, ev.query_rid, ev.query_name, ev.query_args},
                           rt_.services, caller);
    if (!v.ok()) return v.status();
    answer.query_value = std::move(v.value());
  }
  return answer;
}

Result<PicoState*> PicoActors::hold(Transaction& caller, const std::string& pico_id) {
  auto slot = rt_.picos.acquire(pico_id);
  auto lock = std::make_shared<NestedRunLock>(slot, kNestedLockWait);
  if (!lock->ok()) return lock->status();
  slot->run_mu.assert_held();  // until the caller's transaction ends
  if (slot->deleted) return Status::not_found("Pico not found: " + pico_id);
  Status error;
  PicoState* state = state_of(*slot, &error);
  if (!state) return error;
  caller.depend_on(slot->last_seq.load());
  caller.held.push_back(std::move(lock));
  return state;
}

}  // namespace spime::runtime
