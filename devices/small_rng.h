// SmallRng: a pseudo-random generator of 8 bytes (SplitMix64), for state
// kept per simulated device. std::mt19937_64 keeps 2.5 KB, which is 2.5 GB
// for a fleet of a million devices; SplitMix64 passes BigCrush and is
// plenty for readings that wander.
//
// A UniformRandomBitGenerator: use it with the <random> distributions.
// Deterministic: the same seed, the same numbers. Not for secrets.
// Thread-safety: none; one generator per thread or per device.
#pragma once

#include <cstdint>
#include <limits>

namespace spime::devices {

class SmallRng {
 public:
  using result_type = std::uint64_t;

  explicit SmallRng(std::uint64_t seed) : state_(seed) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace spime::devices
