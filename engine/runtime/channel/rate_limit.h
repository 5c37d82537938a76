// A channel's rate limit: how many events a second its senders may send
// through it, with a burst. The one owner of its shape, wherever it is
// written:
//   in a prototype's channel (YAML)   rate_limit: {per_second: N, burst: M}
//   to ctx:newChannel / putChannel /  rateLimit = {"per_second": N, "burst": M}
//     upsertChannel (KRL)             ({} removes it)
//   in the channel's record (c/<eci>) "rateLimit": {"per_second": N, "burst": M}
//   as KRL and JSON see the channel   "rateLimit": {"per_second": N, "burst": M}
// per_second: a number in (0, kMaxRate]; burst: optional, a number in
// [1, kMaxRate], by default max(1, per_second) (one second's worth).
// channel/rate_limiter.h enforces it.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>

#include "engine/krl/value.h"

namespace spime::runtime {

struct ChannelRateLimit {
  double per_second = 0;
  double burst = 0;
  bool operator==(const ChannelRateLimit& o) const {
    return per_second == o.per_second && burst == o.burst;
  }
};

inline constexpr double kMaxRate = 1e6;

// Reads {"per_second": N, "burst": M}; false and *error ("rate_limit.per_second
// must be a number above 0 and at most 1000000") when it is not one.
// `what` names the value in the message.
bool parse_rate_limit(const krl::Value& v, const std::string& what, ChannelRateLimit* out,
                      std::string* error);

// {"per_second": N, "burst": M}.
krl::Value rate_limit_value(const ChannelRateLimit& r);

}  // namespace spime::runtime
