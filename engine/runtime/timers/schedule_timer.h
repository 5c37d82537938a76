// ScheduleTimer: turns the stored `schedule ... at` and `schedule ... repeat`
// entries (timers/schedule_records.h) into events when they are due.
//
// One thread wakes every 250 ms (or when fire_due_now() asks) and scans the
// due keys from their start up to the engine clock's now (clock.h; a prefix
// scan that stops at the first future key: idle schedules cost nothing). For
// each due key it reads the committed entry and hands its event to `send`
// with the entry's name (the pico checks it still exists when the event runs,
// and removes an "at" entry then); then, in one write, it removes the due key
// and, for a repeat, puts its next firing. At least once: a crash between the
// send and the write sends it again after restart. An entry that is gone
// (schedule:remove, its ruleset or pico deleted) sends nothing; a send
// refused with kNotFound (the channel is gone) drops the schedule, repeats
// included, as the reference does; one refused with kUnavailable (the pico's
// queue is full, the engine is stopping) stays due and is tried again at the
// next tick.
//
// Metrics (optional): each event handed to its pico is reported with how
// late it went, the engine's clock's now minus its due time
// (spime_schedule_lag_seconds, metrics/metrics.h): the tick (250 ms) and the
// scan's own time bound it on an idle engine.
//
// Thread-safety: send and log are called on the timer's thread; stop() and
// fire_due_now() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"
#include "engine/runtime/timers/clock.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class Metrics;

class ScheduleTimer {
 public:
  // Queues one scheduled event (`firing` names its entry, for the pico to
  // check and, for an "at", remove); ok when admitted, else why not (the
  // callee logs it).
  using Send = std::function<api::Status(api::EventRequest, const ScheduleFiring& firing)>;

  // Starts the thread. `clock` (never null) says what is due.
  // `metrics` (may be null) must outlive the timer.
  ScheduleTimer(store::Store& store, std::shared_ptr<const Clock> clock, Send send,
                std::function<void(const std::string&)> log, Metrics* metrics = nullptr);
  ~ScheduleTimer();  // stop()
  ScheduleTimer(const ScheduleTimer&) = delete;
  ScheduleTimer& operator=(const ScheduleTimer&) = delete;

  // Wakes and joins the thread; nothing is sent after it returns. Idempotent.
  void stop();

  // Wakes the thread and waits until a scan that began after this call is
  // done: every entry due by the clock's now at that moment (at most 256 of
  // them) has been handed to `send`. For a clock that was just moved
  // (ManualClock): its due events are queued at their picos when this
  // returns. false when `limit` passed first or the timer is stopping.
  bool fire_due_now(std::chrono::milliseconds limit);

 private:
  void run() SPIME_EXCLUDES(mu_);
  // Fires at most `limit` due entries.
  void fire_due(size_t limit) SPIME_EXCLUDES(mu_);

  store::Store& store_;
  std::shared_ptr<const Clock> clock_;
  Send send_;
  std::function<void(const std::string&)> log_;
  Metrics* const metrics_;
  Mutex mu_;
  std::condition_variable wake_;
  std::condition_variable scanned_;  // scans_done_ moved, or stopping
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  bool poked_ SPIME_GUARDED_BY(mu_) = false;  // fire_due_now() waits for a scan
  std::uint64_t scans_started_ SPIME_GUARDED_BY(mu_) = 0;
  std::uint64_t scans_done_ SPIME_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace spime::runtime
