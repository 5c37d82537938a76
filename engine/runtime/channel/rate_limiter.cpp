// Token buckets per channel. See rate_limiter.h.
#include "engine/runtime/channel/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

namespace spime::runtime {

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

// Tokens `b` holds at `now_ns` (at most its burst).
double refilled(double tokens, std::int64_t at_ns, const ChannelRateLimit& limit,
                std::int64_t now_ns) {
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns - at_ns)) /
                         static_cast<double>(kNsPerSecond);
  return std::min(limit.burst, tokens + elapsed * limit.per_second);
}

}  // namespace

RateLimiter::RateLimiter(Options options)
    : options_(options), max_per_shard_(std::max<std::size_t>(1, options.max_buckets / kShards)) {}

std::int64_t RateLimiter::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t RateLimiter::take(const std::string& eci, const std::optional<ChannelRateLimit>& own,
                               std::int64_t now_ns) {
  const ChannelRateLimit limit = own ? *own : options_.default_limit;
  if (limit.per_second <= 0) return 0;  // no limit: no bucket, no lock
  Shard& shard = shards_[std::hash<std::string>{}(eci) % kShards];
  MutexLock lock(shard.mu);
  auto it = shard.buckets.find(eci);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) make_room(shard, now_ns);
    it = shard.buckets.emplace(eci, Bucket{limit.burst, now_ns, limit}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b.tokens, b.at_ns, limit, now_ns);  // the channel's limit as it is now
  b.at_ns = now_ns;
  b.limit = limit;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  const double wait_s = (1 - b.tokens) / limit.per_second;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_s * 1000)));
}

void RateLimiter::make_room(Shard& shard, std::int64_t now_ns) {
  if (now_ns >= shard.next_sweep_ns) {
    shard.next_sweep_ns = now_ns + kNsPerSecond;
    for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
      const Bucket& b = it->second;
      if (refilled(b.tokens, b.at_ns, b.limit, now_ns) >= b.limit.burst) {
        it = shard.buckets.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (shard.buckets.size() >= max_per_shard_) shard.buckets.erase(shard.buckets.begin());
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const Shard& s : shards_) {
    MutexLock lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace spime::runtime
