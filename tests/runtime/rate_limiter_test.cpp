// The per-channel token buckets (channel/rate_limiter.h), the rate limit's
// one shape (channel/rate_limit.h) in a channel record and in a prototype.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/channel/rate_limiter.h"
#include "engine/runtime/records/records.h"
#include "tests/runtime/prototypes_test_util.h"

using namespace spime::runtime;
using spime::krl::Map;
using spime::krl::Value;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

Value rate(double per_second, double burst = 0) {
  Map m{{"per_second", Value(per_second)}};
  if (burst > 0) m.set("burst", Value(burst));
  return Value(std::move(m));
}

}  // namespace

TEST_CASE("rate limiter: a burst, then per_second tokens a second", "[rate]") {
  RateLimiter limiter(RateLimiter::Options{});
  const ChannelRateLimit limit{10, 5};
  const std::int64_t t0 = 100 * kSecond;
  for (int i = 0; i < 5; ++i) CHECK(limiter.take("a", limit, t0) == 0);
  // Empty: the next token comes in 100 ms.
  CHECK(limiter.take("a", limit, t0) == 100);
  CHECK(limiter.take("a", limit, t0 + kSecond / 20) == 50);
  CHECK(limiter.take("a", limit, t0 + kSecond / 10) == 0);
  // Another channel has its own bucket.
  CHECK(limiter.take("b", limit, t0) == 0);
  // A long pause refills to the burst, no more.
  const std::int64_t later = t0 + 60 * kSecond;
  for (int i = 0; i < 5; ++i) CHECK(limiter.take("a", limit, later) == 0);
  CHECK(limiter.take("a", limit, later) > 0);
}

TEST_CASE("rate limiter: no limit takes no bucket, the default applies to the others", "[rate]") {
  RateLimiter open(RateLimiter::Options{});
  for (int i = 0; i < 1000; ++i) CHECK(open.take("a", std::nullopt, kSecond) == 0);
  CHECK(open.size() == 0);

  RateLimiter::Options o;
  o.default_limit = ChannelRateLimit{1, 2};
  RateLimiter limited(o);
  CHECK(limited.take("a", std::nullopt, kSecond) == 0);
  CHECK(limited.take("a", std::nullopt, kSecond) == 0);
  CHECK(limited.take("a", std::nullopt, kSecond) == 1000);
  // A channel's own limit wins over the default.
  for (int i = 0; i < 50; ++i) CHECK(limited.take("b", ChannelRateLimit{100, 50}, kSecond) == 0);
  CHECK(limited.take("b", ChannelRateLimit{100, 50}, kSecond) == 10);
}

TEST_CASE("rate limiter: the buckets are bounded, idle ones go first", "[rate]") {
  RateLimiter::Options o;
  o.max_buckets = 160;  // 10 a shard
  RateLimiter limiter(o);
  const ChannelRateLimit limit{1, 1};
  for (int i = 0; i < 10000; ++i) limiter.take("c" + std::to_string(i), limit, kSecond);
  CHECK(limiter.size() <= 160);
  // A channel refused a moment ago keeps its bucket while others come and
  // go, as long as the idle ones make room.
  CHECK(limiter.take("busy", limit, 10 * kSecond) == 0);
  CHECK(limiter.take("busy", limit, 10 * kSecond) > 0);
  for (int i = 0; i < 100; ++i) limiter.take("n" + std::to_string(i), limit, 12 * kSecond);
  CHECK(limiter.size() <= 160);
}

TEST_CASE("rate limit: its one shape, checked", "[rate]") {
  ChannelRateLimit r;
  std::string err;
  REQUIRE(parse_rate_limit(rate(10), "rate_limit", &r, &err));
  CHECK(r.per_second == 10);
  CHECK(r.burst == 10);  // one second's worth
  REQUIRE(parse_rate_limit(rate(0.5), "rate_limit", &r, &err));
  CHECK(r.burst == 1);
  REQUIRE(parse_rate_limit(rate(10, 40), "rate_limit", &r, &err));
  CHECK(r.burst == 40);
  CHECK_FALSE(parse_rate_limit(rate(0), "rate_limit", &r, &err));
  CHECK(err == "rate_limit.per_second must be a number above 0 and at most 1000000");
  CHECK_FALSE(parse_rate_limit(rate(10, 0.5), "rate_limit", &r, &err));
  CHECK(err == "rate_limit.burst must be a number from 1 to 1000000");
  CHECK_FALSE(parse_rate_limit(Value(Map{{"per_second", Value(1.0)}, {"brust", Value(2.0)}}), "x",
                               &r, &err));
  CHECK(err == "x has an unknown key brust (per_second, burst)");
  CHECK_FALSE(parse_rate_limit(Value("fast"), "x", &r, &err));
}

TEST_CASE("rate limit: a channel record keeps it", "[rate]") {
  ChannelRecord c;
  c.pico_id = "p";
  c.rate_limit = ChannelRateLimit{5, 20};
  ChannelRecord back;
  std::string err;
  REQUIRE(decode_record(encode_record(c), &back, &err));
  REQUIRE(back.rate_limit);
  CHECK(*back.rate_limit == ChannelRateLimit{5, 20});
  CHECK(channel_to_value(c).as_map().find("rateLimit") != nullptr);
  ChannelRecord none;
  none.pico_id = "p";
  REQUIRE(decode_record(encode_record(none), &back, &err));
  CHECK_FALSE(back.rate_limit);
  CHECK(channel_to_value(none).as_map().find("rateLimit") == nullptr);
}

TEST_CASE("prototypes: a channel's rate_limit", "[prototypes][rate]") {
  spime::runtime::testing::PrototypeFixture f;
  f.dir.write("meter.yaml",
              "name: meter\n"
              "channels:\n"
              "  - name: device\n"
              "    event_policy: {allow: [{domain: t, name: '*'}], deny: []}\n"
              "    rate_limit: {per_second: 2}\n");
  const std::vector<std::string> errors = f.load();
  INFO((errors.empty() ? std::string() : errors[0]));
  REQUIRE(errors.empty());
  auto v = f.catalog.value("meter");
  REQUIRE(v);
  const Value& channel = v->as_map().find("channels")->as_array().at(0);
  const Value* limit = channel.as_map().find("rate_limit");
  REQUIRE(limit);
  CHECK(spime::krl::encode_json(*limit) == R"({"per_second":2,"burst":2})");
  CHECK(f.check_error("x.yaml",
                      "name: x\n"
                      "channels:\n"
                      "  - name: a\n"
                      "    rate_limit: {per_second: -1}\n") ==
        "x.yaml:4:17: channels[0].rate_limit.per_second must be a number above 0 and at most "
        "1000000");
}
