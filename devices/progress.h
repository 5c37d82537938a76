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

}  // namespace spime::devices
