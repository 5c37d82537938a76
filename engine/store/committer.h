// Committer: group commit, the engine's durability promise.
//
// "Acknowledged means durable": a submitter's `done` callback runs only after its batch is in
// the write-ahead log (fsynced when the store's sync_commits is on). Many picos submit
// concurrently; one dedicated thread takes every batch waiting at that moment, writes them as
// ONE storage write (one fsync for the whole group), then calls each submitter's callback with
// the shared outcome. Batches of a group are applied in submission order.
//
// Sequence numbers: every accepted batch gets the next number (1, 2, ...), in submission order,
// and batches become durable in that order. durable_seq() is the highest number such that it
// and every batch before it are durable. when_durable(seq, cb) calls cb once durable_seq() >=
// seq (at once, on the caller's thread, when it already is): the way to hold an answer until
// the writes it read from are durable, without a batch of its own.
//
// A failed write is fatal (as LevelDB's background error): its group and every later batch fail
// with the same error, nothing more is written, and durable_seq() stops. The in-memory state of
// the engine is then ahead of the store; only a restart recovers.
//
// Callbacks (a batch's `done`, when_durable's) run on the committer thread, exactly once each,
// in sequence order (a batch's `done` before the when_durable callbacks of the same number).
// They must be quick and must not block on the committer (post onward to your own executor);
// they may call try_submit and when_durable. An exception escaping a callback is swallowed so
// the other callbacks still run.
//
// Bounded: try_submit refuses at once (returns 0, callback not called, batch untouched by the
// store) when max_pending batches are already waiting, or after shutdown began. The HTTP layer
// answers 503 then. when_durable callbacks are held only for sequence numbers already handed
// out, so they are bounded by the callers' own admitted requests.
//
// Observer (optional, for the metrics): after each group's write, the committer thread calls it
// with the group's size and the write's duration (fsync included), before the callbacks. It must
// be quick and must not call the committer.
//
// shutdown() (also run by the destructor) stops accepting, drains everything already queued
// (even while paused), then joins the thread. Thread-safe throughout.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/store/write_batch.h"

namespace spime::store {

class Committer {
 public:
  using Done = std::function<void(bool ok, const std::string& error)>;
  // Writes a group of batches atomically and durably; false + *error on failure. Supplied by
  // the Store (it owns the database); called only from the committer thread.
  using GroupWriter =
      std::function<bool(const std::vector<const WriteBatch*>& group, std::string* error)>;

  struct Stats {
    uint64_t batches = 0;  // batches written (successfully or not)
    uint64_t groups = 0;   // storage writes; batches / groups is the average group size
    uint64_t fsyncs = 0;   // groups written with sync on
    uint64_t failed_groups = 0;
    uint64_t refused = 0;  // try_submit calls refused (queue full or shut down)
    double average_group_size() const {
      return groups == 0 ? 0.0 : static_cast<double>(batches) / static_cast<double>(groups);
    }
  };

  // One group written: its batches and how long the write (and fsync) took.
  using GroupObserver = std::function<void(size_t batches, std::chrono::nanoseconds took)>;

  Committer(GroupWriter writer, bool sync, size_t max_pending, GroupObserver observer = nullptr);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // The batch's sequence number, or 0 when refused. `done` may be empty.
  uint64_t try_submit(WriteBatch batch, Done done = nullptr);
  // Calls `done` once every batch up to `seq` is durable (or has failed). seq 0: at once.
  void when_durable(uint64_t seq, Done done);
  uint64_t durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }
  // The last sequence number handed out by try_submit.
  uint64_t last_seq() const;
  void shutdown();

  Stats stats() const;
  // The error of the first failed write; empty while none failed.
  std::string fatal_error() const;
  size_t pending() const;  // batches queued and not yet taken by the committer thread
  size_t max_pending() const { return max_pending_; }

  // Holds queued batches without writing them until resume(); for tests (filling the queue
  // deterministically) and maintenance. shutdown() overrides a pause.
  void pause();
  void resume();

 private:
  struct Pending {
    WriteBatch batch;
    Done done;
    uint64_t seq = 0;
  };

  void run() SPIME_EXCLUDES(mu_);

  const GroupWriter writer_;
  const bool sync_;
  const size_t max_pending_;
  const GroupObserver observer_;

  mutable Mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_ SPIME_GUARDED_BY(mu_);
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  bool paused_ SPIME_GUARDED_BY(mu_) = false;
  uint64_t next_seq_ SPIME_GUARDED_BY(mu_) = 1;
  std::multimap<uint64_t, Done> waiters_ SPIME_GUARDED_BY(mu_);  // when_durable callbacks by seq
  std::string fatal_error_ SPIME_GUARDED_BY(mu_);                // set by the first failed write
  std::atomic<uint64_t> durable_seq_{0};                         // written under mu_

  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> failed_groups_{0};
  std::atomic<uint64_t> refused_{0};

  Mutex join_mu_;       // serialises concurrent shutdown() calls around join
  std::thread thread_;  // last: started after every other member exists
};

}  // namespace spime::store
