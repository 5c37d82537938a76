// A channel's rate limit as a value. See rate_limit.h.
#include "engine/runtime/channel/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace spime::runtime {

namespace {

std::string number_text(double d) {
  return krl::encode_json(krl::Value(d));
}

}  // namespace

bool parse_rate_limit(const krl::Value& v, const std::string& what, ChannelRateLimit* out,
                      std::string* error) {
  if (!v.is_map()) {
    *error = what + " must be a map {per_second, burst}";
    return false;
  }
  for (const auto& [key, value] : v.as_map()) {
    if (key != "per_second" && key != "burst") {
      *error = what + " has an unknown key " + key + " (per_second, burst)";
      return false;
    }
  }
  const krl::Value* rate = v.as_map().find("per_second");
  if (!rate || !rate->is_number() || !std::isfinite(rate->as_number()) || rate->as_number() <= 0 ||
      rate->as_number() > kMaxRate) {
    *error = what + ".per_second must be a number above 0 and at most " + number_text(kMaxRate);
    return false;
  }
  ChannelRateLimit r;
  r.per_second = rate->as_number();
  r.burst = std::max(1.0, r.per_second);
  if (const krl::Value* burst = v.as_map().find("burst"); burst && !burst->is_null()) {
    if (!burst->is_number() || !std::isfinite(burst->as_number()) || burst->as_number() < 1 ||
        burst->as_number() > kMaxRate) {
      *error = what + ".burst must be a number from 1 to " + number_text(kMaxRate);
      return false;
    }
    r.burst = burst->as_number();
  }
  *out = r;
  return true;
}

krl::Value rate_limit_value(const ChannelRateLimit& r) {
  return krl::Value(
      krl::Map{{"per_second", krl::Value(r.per_second)}, {"burst", krl::Value(r.burst)}});
}

}  // namespace spime::runtime
