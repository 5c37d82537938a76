// RateLimiter: a token bucket per channel, for the events outside senders
// (HTTP clients, MQTT devices, other engines) send through it.
//
// A channel's own rate limit (ChannelRecord::rate_limit, rate_limit.h)
// applies when it has one, else the server-wide default (`spime serve
// --channel-rate N --channel-burst M`, default none: limits.h). Each event
// takes a token; a bucket holds at most `burst` tokens and gains
// `per_second` a second. Without a token the event is refused before its
// pico sees it: kRateLimited (429) with the time until a token is there
// (Retry-After). Events a pico sends to another pico of this engine and
// scheduled events are not counted: they are the engine's own work.
//
// Memory is bounded: only channels with a limit get a bucket, at most
// `max_buckets` of them. A bucket that has refilled completely is the same
// as no bucket, so when the table is full the full ones are dropped (a sweep
// at most once a second per shard); if none is, an arbitrary one goes (its
// channel then starts again from a full burst).
//
// Thread-safety: take() may be called from any thread; the table is split
// in shards, each with its own mutex, held only for one bucket's update.
// A channel with no limit takes no lock at all.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/base/thread_annotations.h"
#include "engine/runtime/channel/rate_limit.h"

namespace spime::runtime {

class RateLimiter {
 public:
  struct Options {
    // per_second 0: channels without their own limit have none.
    ChannelRateLimit default_limit;
    std::size_t max_buckets = 100000;
  };

  explicit RateLimiter(Options options);

  // Takes a token for one event through channel `eci`, whose own limit is
  // `own` (nullopt: the default applies). 0: admitted; otherwise refused,
  // and the milliseconds until a token is there (at least 1). `now_ns`:
  // a monotonic clock in nanoseconds (steady_clock).
  std::int64_t take(const std::string& eci, const std::optional<ChannelRateLimit>& own,
                    std::int64_t now_ns);

  // Buckets held now (for tests and metrics).
  std::size_t size() const;

  // steady_clock in nanoseconds.
  static std::int64_t now_ns();

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ns = 0;  // when `tokens` was right
    ChannelRateLimit limit;
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, Bucket> buckets SPIME_GUARDED_BY(mu);
    std::int64_t next_sweep_ns SPIME_GUARDED_BY(mu) = 0;
  };
  static constexpr std::size_t kShards = 16;

  void make_room(Shard& shard, std::int64_t now_ns) SPIME_REQUIRES(shard.mu);

  Options options_;
  std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace spime::runtime
