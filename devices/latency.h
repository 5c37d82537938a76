// Latencies of the heartbeats: a lock-free histogram that the load threads
// add to and the progress line reads while they run (about 3 % wide
// buckets), and exact percentiles from every request's own latency for the
// summary.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace spime::devices {

class LatencyHistogram {
 public:
  LatencyHistogram();
  // Any thread.
  void add(double ms);
  // The q-quantile (0 < q <= 1) in ms, to the bucket's precision; 0 when empty.
  double quantile(double q) const;
  std::int64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  // Microseconds: 0..63 one bucket each, then 32 buckets per power of two.
  static constexpr int kLinear = 64;
  static constexpr int kPerOctave = 32;
  static constexpr int kOctaves = 30;  // up to 2^36 us: 19 hours
  static constexpr int kBuckets = kLinear + kPerOctave * kOctaves;
  static int bucket(std::uint64_t us);
  static double bucket_ms(int b);

  std::array<std::atomic<std::int64_t>, kBuckets> buckets_;
  std::atomic<std::int64_t> count_{0};
};

// The q-quantile of `sorted` (ascending), nearest rank; 0 when empty.
double quantile_of_sorted(const std::vector<float>& sorted, double q);

}  // namespace spime::devices
