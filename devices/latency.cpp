#include "devices/latency.h"

#include <algorithm>
#include <cmath>

namespace spime::devices {

LatencyHistogram::LatencyHistogram() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
}

int LatencyHistogram::bucket(std::uint64_t us) {
  if (us < static_cast<std::uint64_t>(kLinear)) return static_cast<int>(us);
  int octave = 63 - __builtin_clzll(us);  // 6 and up
  const int sub = static_cast<int>((us >> (octave - 5)) & (kPerOctave - 1));
  octave -= 6;
  if (octave >= kOctaves) return kBuckets - 1;
  return kLinear + octave * kPerOctave + sub;
}

double LatencyHistogram::bucket_ms(int b) {
  if (b < kLinear) return b / 1000.0;
  const int octave = (b - kLinear) / kPerOctave + 6;
  const int sub = (b - kLinear) % kPerOctave;
  const double low = std::ldexp(1.0, octave) + sub * std::ldexp(1.0, octave - 5);
  return (low + std::ldexp(1.0, octave - 6)) / 1000.0;  // the bucket's middle
}

void LatencyHistogram::add(double ms) {
  const double us = std::max(0.0, ms * 1000);
  buckets_[bucket(static_cast<std::uint64_t>(us))].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

double LatencyHistogram::quantile(double q) const {
  const std::int64_t n = count();
  if (n == 0) return 0;
  const auto rank = static_cast<std::int64_t>(std::ceil(q * static_cast<double>(n)));
  std::int64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[b].load(std::memory_order_relaxed);
    if (seen >= rank) return bucket_ms(b);
  }
  return bucket_ms(kBuckets - 1);
}

double quantile_of_sorted(const std::vector<float>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::min(std::max<std::size_t>(rank, 1), sorted.size());
  return sorted[rank - 1];
}

}  // namespace spime::devices
