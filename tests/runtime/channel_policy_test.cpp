// Channel policies: deny wins, wildcards, validation and tag cleaning as the
// reference (pico-framework's Channel).
#include <catch2/catch.hpp>

#include "engine/runtime/channel/channel_policy.h"

using namespace spime;
using namespace spime::runtime;

namespace {
krl::Value parse(const char* json) {
  krl::Value v;
  std::string err;
  REQUIRE(krl::parse_json(json, &v, &err));
  return v;
}
}  // namespace

TEST_CASE("default event and query policies allow everything", "[policy]") {
  CHECK_FALSE(check_event(EventPolicy{}, "wovyn", "heartbeat"));
  CHECK_FALSE(check_query(QueryPolicy{}, "esproto_device", "thresholds"));
}

TEST_CASE("event policy: allow list, wildcards and deny winning", "[policy]") {
  EventPolicy p;
  std::string err;
  REQUIRE(parse_event_policy(
      parse(R"({"allow":[{"domain":"wovyn","name":"*"},{"domain":"esproto","name":"new_threshold"}],
               "deny":[{"domain":"wovyn","name":"reset"}]})"),
      &p, &err));
  CHECK_FALSE(check_event(p, "wovyn", "heartbeat"));
  CHECK_FALSE(check_event(p, "esproto", "new_threshold"));
  CHECK(check_event(p, "esproto", "threshold_violation") ==
        std::string("Not allowed by channel policy"));
  CHECK(check_event(p, "wovyn", "reset") == std::string("Denied by channel policy"));
}

TEST_CASE("query policy: deny by rid wildcard name", "[policy]") {
  QueryPolicy p;
  std::string err;
  REQUIRE(parse_query_policy(
      parse(R"({"allow":[{"rid":"*","name":"*"}],"deny":[{"rid":"secret","name":"*"}]})"), &p,
      &err));
  CHECK_FALSE(check_query(p, "esproto_collection", "violations"));
  CHECK(check_query(p, "secret", "anything") == std::string("Denied by channel policy"));
}

TEST_CASE("malformed policies are refused with the reference's messages", "[policy]") {
  EventPolicy ep;
  QueryPolicy qp;
  std::string err;
  CHECK_FALSE(parse_event_policy(parse(R"({"allow":[]})"), &ep, &err));
  CHECK(err == "EventPolicy expects {allow: EventPolicyRule[], deny: EventPolicyRule[]}");
  CHECK_FALSE(
      parse_event_policy(parse(R"({"allow":[{"domain":" ","name":"x"}],"deny":[]})"), &ep, &err));
  CHECK(err == "EventPolicyRule expects {domain: string, name: string}");
  CHECK_FALSE(parse_query_policy(parse(R"({"allow":[{"rid":"a"}],"deny":[]})"), &qp, &err));
  CHECK(err == "QueryPolicyRule expects {rid: string, name: string}");
  CHECK_FALSE(parse_query_policy(parse(R"([1,2])"), &qp, &err));
  // A refused parse leaves the output untouched.
  CHECK(qp.allow.size() == 1);
  CHECK(qp.allow[0].rid == "*");
}

TEST_CASE("policy rules are trimmed and round-trip through values", "[policy]") {
  EventPolicy p;
  std::string err;
  REQUIRE(parse_event_policy(
      parse(R"({"allow":[{"domain":" wovyn ","name":"heartbeat "}],"deny":[]})"), &p, &err));
  CHECK(p.allow[0].domain == "wovyn");
  CHECK(krl::encode_json(to_value(p)) ==
        R"({"allow":[{"domain":"wovyn","name":"heartbeat"}],"deny":[]})");
}

TEST_CASE("channel tags are cleaned as the reference does", "[policy]") {
  std::vector<std::string> tags;
  std::string err;
  REQUIRE(clean_tags(parse(R"(["  Hello World ", "a--b", "-x_y-", "ÄÖ ok"])"), &tags, &err));
  CHECK(tags == std::vector<std::string>{"hello-world", "a-b", "x_y", "ok"});
  CHECK_FALSE(clean_tags(parse(R"(["system"])"), &tags, &err));
  CHECK(err == "Cannot tag channel as \"system\".");
  CHECK_FALSE(clean_tags(parse(R"([" -- "])"), &tags, &err));
  CHECK(err == "Channel tag cannot be a blank string.");
  CHECK_FALSE(clean_tags(parse(R"("notalist")"), &tags, &err));
  CHECK_FALSE(clean_tags(parse(R"([1])"), &tags, &err));
}
