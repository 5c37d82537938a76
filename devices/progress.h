// The live progress line: on stderr, only when stderr is a terminal,
// rewritten about four times a second while the load runs:
//   load 3.2/10 s  sent 3120  ack 3090  refused 30  failed 0  980/s  p50 1.21 ms  p99 4.80 ms
// (the rate over the last second; p50 and p99 of every answer so far, to
// the histogram's ~3 %), and erased when it stops (the summary follows on
// stdout). The load
// threads count into LiveCounters; the line's thread only reads them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "devices/latency.h"

namespace spime::devices {

struct LiveCounters {
  std::atomic<std::int64_t> sent{0};
  std::atomic<std::int64_t> acknowledged{0};  // 2xx
  std::atomic<std::int64_t> refused{0};       // 4xx
  std::atomic<std::int64_t> failed{0};        // 5xx or no answer
  LatencyHistogram latency;                   // answered requests
};

class Progress {
 public:
  // Shows nothing unless `wanted` and stderr is a terminal.
  Progress(const LiveCounters& counters, bool wanted);
  ~Progress();  // stop()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Starts the line for a phase of `seconds` (0: no end shown).
  void start(const std::string& phase, double seconds);
  // Stops and erases the line.
  void stop();

 private:
  void loop();
  std::string line(double elapsed);

  const LiveCounters& counters_;
  const bool enabled_;
  std::string phase_;
  double seconds_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::int64_t last_sent_ = 0;
  double last_at_ = 0;
  double rate_ = 0;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// The set-up's lines, on `out` (stderr), terminal or not: one per `block`
// picos made, so how the time per pico moves as the fleet grows can be read
// off (wall time from the line before, over all the set-up's connections):
//   setup: created 10000..20000 in 11.52 s (1.152 ms/pico)
// finish() adds the last, partial block when a full one was printed (a
// small fleet prints nothing). Cheap: a lock and a counter per pico.
// The first block's time runs from the construction.
// Thread-safety: created_one() from any threads at once.
class SetupProgress {
 public:
  explicit SetupProgress(long block = 10000, std::FILE* out = stderr);
  SetupProgress(const SetupProgress&) = delete;
  SetupProgress& operator=(const SetupProgress&) = delete;

  void created_one();
  void finish();
  long created() const;

 private:
  void print_block(std::chrono::steady_clock::time_point now);  // with mu_ held

  const long block_;
  std::FILE* out_;
  mutable std::mutex mu_;
  long created_ = 0;
  long mark_ = 0;  // created at the last line
  std::chrono::steady_clock::time_point mark_at_ = std::chrono::steady_clock::now();
};

}  // namespace spime::devices
