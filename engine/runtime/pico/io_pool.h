// IoPool: a few threads of our own on which picos that do blocking I/O run,
// so that no CAF scheduler thread (and no Beast thread) ever waits on the
// network.
//
// Why: KRL evaluation is synchronous. A schedule runs on the thread that
// drains its pico's inbox, normally a CAF worker (pico_actor.h). An
// outbound `http:get` there would hold that worker for as long as the far
// end takes, and with `--threads 1` stall every pico of the engine.
//
// How: a ruleset whose rules or plain globals call a blocking module (the
// `http` module; runtime_modules.h) is marked when it is compiled
// (RulesetRegistry::needs_io_thread); a call inside a function is found when
// it runs (see kScheduler below). A pico with such a ruleset installed, or
// flagged, is drained here instead: PicoActors::drain, on a
// CAF worker, hands the drain to this pool and returns (the slot stays
// kicked, so its FIFO order is untouched); the pool's thread drains it and
// the request blocks that thread only, bounded by the per-call timeout. The
// pool is bounded: `threads` threads, and at most one queued drain per pico
// (a slot is kicked once). Picos that do not do I/O never come here.
//
// Thread roles: drain() tells, through ThreadRoleScope, what the current
// thread is. A blocking module asks blocking_allowed() before it blocks:
//   kIo       an I/O pool thread: allowed.
//   kOther    not a pico drain at all (the offline runner, `krl eval`, the
//             engine's start-up): allowed, the caller chose to wait.
//   kScheduler a CAF worker draining a pico that is not marked: refused
//             (the call fails with a clear KrlError, it never blocks), and
//             the pico being drained is flagged (PicoSlot::wants_io) so that
//             its next drains run on the pool, where the message that
//             failed runs again when it can (pico_actor.h). This
//             is what a nested call (ctx:query, ctx:eventQuery, ...) from a
//             pico without http into an http-using function of another pico
//             meets, and a ruleset installed and used within one schedule.
//
// Thread-safety: submit() and the static functions may be called from any
// thread. stop() (and the destructor) stops the threads after the jobs they
// run; jobs still queued are dropped (shutdown: every admitted request was
// answered, or the engine gave up waiting for it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/base/thread_annotations.h"

namespace spime::runtime {

class IoPool {
 public:
  struct Options {
    int threads = 4;
    // Limits of one outbound call made on the pool (the http module).
    std::chrono::milliseconds http_timeout{10000};
    std::size_t http_max_response_bytes = 1024 * 1024;
  };

  explicit IoPool(Options options);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Runs `job` on one of the pool's threads, in submission order; dropped
  // once stop() began.
  void submit(std::function<void()> job);
  // Lets the running jobs finish, drops the queued ones and joins the
  // threads. Idempotent; not from a pool thread. The engine calls it before
  // it destroys what jobs use (the store, the actor system).
  void stop();
  const Options& options() const { return options_; }
  // True on one of this pool's threads.
  bool on_pool_thread() const;

  // The pool whose thread this is, or nullptr.
  static IoPool* current();

 private:
  void work();

  const Options options_;
  Mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_ SPIME_GUARDED_BY(mu_);
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  Mutex join_mu_;  // serialises stop()
  std::vector<std::thread> threads_ SPIME_GUARDED_BY(join_mu_);
};

enum class ThreadRole { kOther, kScheduler, kIo };

// What the current thread does, while a pico drain runs on it (nests: the
// innermost scope wins, the outer one is restored on exit).
class ThreadRoleScope {
 public:
  // `wants_io`: the drained pico's flag, set when a blocking call is refused.
  ThreadRoleScope(ThreadRole role, std::atomic<bool>* wants_io);
  ~ThreadRoleScope();
  ThreadRoleScope(const ThreadRoleScope&) = delete;
  ThreadRoleScope& operator=(const ThreadRoleScope&) = delete;

 private:
  ThreadRole saved_role_;
  std::atomic<bool>* saved_flag_;
};

ThreadRole current_thread_role();

// Whether the current thread may block on I/O (see the roles above). When
// not, the pico being drained is flagged to run on the I/O pool from its
// next drain on.
bool blocking_allowed();

}  // namespace spime::runtime
