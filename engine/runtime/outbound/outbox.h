// Outbox: the durable way out for events to picos of other engines
// (event:send with a host, subscriptions whose Tx_host is another engine).
//
// Life of one event:
//   1. stage()      while the sending schedule's transaction is submitted
//                   (PicoActors::submit): its record (outbox_records.h) is put
//                   into the SAME WriteBatch as the schedule's writes, so it
//                   commits with them or not at all (a rolled-back or refused
//                   schedule leaves nothing), and a place is reserved.
//   2. committed()  once the batch is durable (the post-commit observer): the
//                   event joins its destination's queue in memory.
//   3. a worker     POSTs it (remote_events.h), one POST in flight per
//                   destination (host + eci), in sequence order, each bounded
//                   by Options::timeout. Different destinations proceed
//                   independently on a small fixed set of threads of our own
//                   (never a CAF worker or an HTTP I/O thread): one engine
//                   that is down delays only its own destinations. (An engine
//                   that refuses connections costs a worker nothing; one that
//                   swallows them holds a worker for a timeout per try, which
//                   its back-off spaces out, so Options::workers such
//                   engines would slow the others, never stop them.)
//   4. outcome      2xx: the record is deleted (a batch through the group
//                   committer) and the next event of that destination goes.
//                   No answer, timeout, 408, 429, 5xx: the same event is tried
//                   again after a capped exponential back-off with jitter
//                   (Options::first_retry doubling up to Options::max_retry);
//                   later events of that destination wait behind it, so order
//                   per destination is kept. Any other status (a permanent
//                   refusal, e.g. 404 for an unknown ECI) or a host that is no
//                   http(s) URL: the event is dropped with one log line and
//                   its record deleted.
//
// Order: sequence numbers are handed out as transactions are submitted (a
// pico submits its schedules one after another, under its run lock), and a
// destination's queue is ordered by them, so the events one pico sends to one
// destination leave in the order it sent them. Events of different picos to
// the same destination interleave (two senders racing have no order).
//
// Restart: the constructor loads every record from the store and delivery
// resumes, in order, destination by destination. Nothing that was committed is lost, by
// a graceful stop or by kill -9.
//
// Duplicates: a record is deleted right after its 2xx, by a batch handed to
// the group committer at once (durable within one group commit, about one
// fsync). If the process dies in that window -- after the other engine
// accepted the event, before the delete is durable -- or the 2xx is lost (a
// timeout), the event is posted again. Every POST therefore names this
// engine (X-Spime-Sender: its id, m/engine_id, made once per data
// directory) and the event (X-Spime-Event-Id: its seq, the same on every
// try and never reused by this engine: seqs are handed out below a
// reservation, m/counter/outbox_seq, written durably before use, one block
// of kSeqBlock at a time). A spime receiver remembers the ids it accepted
// and answers a repeat 2xx without running it (runtime/pico/
// delivery_records.h): delivery is effectively once between spime engines,
// at least once towards others. A graceful stop (stop(), Engine::shutdown)
// lets the POSTs in flight finish for kStopGrace, cuts off those still
// waiting for an answer then (their events stay, and are posted again after
// the next start: a spime receiver that had accepted one answers without
// running it), queues the deletes of the accepted ones, and the store
// drains its committer before it closes: an accepted event never stays in
// the outbox.
//
// Test hook (tests only): the environment variable
// SPIME_TEST_OUTBOX_SETTLE_DELAY_MS=<ms> makes a worker wait that long
// between a 2xx and the delete of the record, so a test can kill -9 the
// engine in that window and see the repeat.
//
// Bounded: at most Options::capacity events wait (records staged in batches
// not yet durable included). stage() refuses a transaction whose events do
// not all fit with kUnavailable (the engine answers 503 and none of the
// schedule's writes commit). Memory follows the waiting events.
//
// What the other engine's 2xx means is its business: spime answers once the
// event ran and committed (X-Spime-Ack: processed; an event its stop
// interrupts is answered 503 and sent again), the reference once the event
// is queued, so an event accepted by a reference engine that is then killed
// before it ran the event is lost there.
//
// Thread-safety: every member may be called from any thread. stage() and
// unstage() / submitted() are called by the thread submitting a transaction,
// committed() by the committer thread; `log` runs on those threads and on the
// workers and must not call back into the outbox.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"
#include "engine/runtime/outbound/outbox_records.h"
#include "engine/runtime/outbound/remote_events.h"
#include "engine/runtime/records/outgoing_event.h"
#include "engine/runtime/timers/clock.h"

namespace spime::store {
class Store;
class WriteBatch;
}  // namespace spime::store

namespace spime::runtime {

// The wait before try number `attempts` + 1 after `attempts` failed ones
// (attempts >= 1): first_retry * 2^(attempts - 1), capped at max_retry, then
// scaled by a jitter factor in [0.75, 1.25) chosen by `unit` in [0, 1), and
// capped at max_retry again.
std::chrono::milliseconds outbox_backoff(unsigned attempts, std::chrono::milliseconds first_retry,
                                         std::chrono::milliseconds max_retry, double unit);

class Outbox {
 public:
  struct Options {
    std::size_t capacity = 10000;             // events waiting at most
    std::size_t workers = 4;                  // POSTs in flight at most (one per destination)
    std::chrono::milliseconds timeout{5000};  // one POST, connect to answer
    std::chrono::milliseconds first_retry{100};
    std::chrono::milliseconds max_retry{10000};
    // Wall time of the records' created_ms and of status() (never null).
    std::shared_ptr<const ::spime::runtime::Clock> clock = ::spime::runtime::wall_clock();
  };
  using Log = std::function<void(const std::string&)>;

  // Seqs are reserved this many at a time (one synchronous store write each).
  static constexpr std::uint64_t kSeqBlock = 1u << 20;
  static constexpr const char* kTestSettleDelayEnv = "SPIME_TEST_OUTBOX_SETTLE_DELAY_MS";
  // How long stop() lets the POSTs in flight go on before it cuts them off.
  static constexpr std::chrono::milliseconds kStopGrace{1000};

  // Loads the waiting records of `store` (which must outlive the outbox) and
  // starts the workers. Records that do not parse are logged and left alone.
  // `engine_id`: this engine's id (outbox_records::engine_id), sent with every
  // POST; "" sends no delivery headers.
  Outbox(store::Store& store, Options options, Log log, std::string engine_id = "");
  ~Outbox();  // stop()
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // What stage() reserved for one transaction, until unstage() or submitted().
  struct Staged {
    std::size_t reserved = 0;
    std::vector<std::string> dropped;  // log lines for events that get no record
  };

  // For every event of `events` with a host: normalizes the host, puts its
  // record into `batch` and sets its outbox_seq and outbox_created_ms. An
  // event whose destination can never be posted to (no http(s) URL, an empty
  // ECI) gets no record and a line in staged->dropped. kUnavailable, with
  // nothing put and nothing reserved, when the records do not all fit, or
  // when a new block of seqs is needed and cannot be reserved (once every
  // kSeqBlock events, that reservation is a synchronous write made under the
  // outbox's lock).
  api::Status stage(std::vector<OutgoingEvent>& events, store::WriteBatch* batch, Staged* staged);
  // The batch was refused: gives the places back.
  void unstage(const Staged& staged);
  // The batch was accepted by the committer: logs the dropped events.
  void submitted(const Staged& staged);

  // The batch holding these events' records is durable: their delivery
  // starts (events without outbox_seq are ignored).
  void committed(const std::vector<OutgoingEvent>& events);

  // Stops the workers: no new POST starts; those in flight finish, or are
  // cut off kStopGrace after the call (a retry outcome: the event stays).
  // Outcomes are recorded; what still waits stays in the store for the next
  // open. Returns within kStopGrace and a little. Idempotent.
  void stop();

  api::OutboxStatus status() const;
  // Events waiting (in memory and reserved).
  std::size_t size() const;
  // For tests: waits up to `max_wait` until nothing waits and no POST runs.
  bool wait_idle(std::chrono::milliseconds max_wait) const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class State { kIdle, kReady, kInFlight, kBackoff };
  struct Destination {
    std::string host, eci;
    std::map<std::uint64_t, OutboxRecord> records;  // by seq: delivery order
    State state = State::kIdle;
    unsigned attempts = 0;
    std::string last_error;
    Clock::time_point next_attempt;
  };
  using DestKey = std::pair<std::string, std::string>;  // host, eci

  void run();
  // Adds a committed record.
  void add_locked(OutboxRecord r) SPIME_REQUIRES(mu_);
  // Applies the outcome of posting `seq` to `d`.
  void settle_locked(Destination& d, std::uint64_t seq, const PostOutcome& out,
                     const std::string& url) SPIME_REQUIRES(mu_);
  void erase_record(const OutboxRecord& r);
  void emit(const std::string& line) const;
  std::int64_t wall_ms() const { return options_.clock->now_ms(); }

  store::Store& store_;
  const Options options_;
  const Log log_;
  const std::string engine_id_;
  std::chrono::milliseconds settle_delay_{0};  // the test hook (kTestSettleDelayEnv)

  mutable Mutex mu_;
  mutable std::condition_variable work_cv_;  // a destination became ready, or stopping_
  mutable std::condition_variable idle_cv_;  // a POST ended or the outbox emptied
  // Non-empty ones only.
  std::map<DestKey, Destination> destinations_ SPIME_GUARDED_BY(mu_);
  // kReady, in the order they became so.
  std::deque<Destination*> ready_ SPIME_GUARDED_BY(mu_);
  // kBackoff, by next attempt.
  std::multimap<Clock::time_point, Destination*> backoff_ SPIME_GUARDED_BY(mu_);
  // Records in destinations_ + reserved by stage().
  std::size_t count_ SPIME_GUARDED_BY(mu_) = 0;
  std::size_t in_memory_ SPIME_GUARDED_BY(mu_) = 0;  // records in destinations_
  std::size_t in_flight_ SPIME_GUARDED_BY(mu_) = 0;  // POSTs running
  // The next record's seq (above every one handed out).
  std::uint64_t next_seq_ SPIME_GUARDED_BY(mu_) = 1;
  // Seqs below it may be handed out (durably reserved).
  std::uint64_t reserved_ SPIME_GUARDED_BY(mu_) = 0;
  std::uint64_t delivered_ SPIME_GUARDED_BY(mu_) = 0;
  std::uint64_t dropped_ SPIME_GUARDED_BY(mu_) = 0;
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  std::atomic<bool> abort_posts_{false};  // set by stop() after kStopGrace
  std::minstd_rand jitter_ SPIME_GUARDED_BY(mu_);

  Mutex join_mu_;
  // Last: started once everything above exists.
  std::vector<std::thread> workers_ SPIME_GUARDED_BY(join_mu_);
};

}  // namespace spime::runtime
