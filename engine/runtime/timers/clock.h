// Clock: where the engine reads wall time (milliseconds since the epoch).
//
// One engine has one clock (EngineOptions::clock): the time of incoming and
// raised events (which `within` windows compare), time:now() in KRL, when a
// `schedule ... at/repeat` is due and when the schedule timer fires it, the
// flush time of a ruleset and the created time of an outbox record all come
// from it. Durations (timeouts, back-off, the stop grace) are measured on
// std::chrono::steady_clock instead and are not the clock's business.
//
// SystemClock reads std::chrono::system_clock. ManualClock stands still until
// it is told to move (advance, set): tests drive it, and `spime serve
// --manual-clock` (test-only) exposes it over POST /api/clock.
//
// Thread-safety: now_ms() of both may be called from any thread at any time;
// ManualClock's advance/set too (one atomic; readers see the old or the new
// value).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace spime::runtime {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the epoch (may go back: a system clock adjusted, a
  // manual clock set back).
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(std::memory_order_acquire); }
  // Moves the clock by `ms` (negative moves it back); returns the new time.
  std::int64_t advance(std::int64_t ms) {
    return now_.fetch_add(ms, std::memory_order_acq_rel) + ms;
  }
  void set(std::int64_t ms) { now_.store(ms, std::memory_order_release); }

 private:
  std::atomic<std::int64_t> now_;
};

// The process's system clock (one shared instance; never null).
std::shared_ptr<const Clock> wall_clock();

}  // namespace spime::runtime
