// The owner's token at the HTTP door (channels/owner_guard.h): which routes
// need it, and how it is read from the headers.
#include <catch2/catch.hpp>

#include "channels/owner_guard.h"

using namespace spime::channels;

TEST_CASE("owner guard: /api, /metrics and the owner's channels need the token", "[edge]") {
  const std::vector<std::string> owner{"OWNER123", "UIECI456"};
  for (const char* t :
       {"/api/ui-context", "/API/ui-context", "/api/flush?url=x", "/api/outbox/", "/metrics",
        "/metrics/", "/c/OWNER123/event/a/b", "/sky/event/OWNER123/none/a/b",
        "/sky/cloud/UIECI456/r/f", "/Sky/Cloud/UIECI456/r/f", "/c/%4FWNER123/query/r/f",
        "/c/UIECI456/stream?domain=x"}) {
    INFO(t);
    CHECK(needs_owner_token("GET", t, owner));
  }
  for (const char* t : {"/", "/dashboard/app.js", "/c/OTHER/event/a/b", "/sky/event/OTHER/x/a/b",
                        "/metricsx", "/c/OWNER1234/query/r/f", "/nothing"}) {
    INFO(t);
    CHECK_FALSE(needs_owner_token("GET", t, owner));
  }
  CHECK_FALSE(needs_owner_token("OPTIONS", "/api/ui-context", owner));
}

TEST_CASE("owner guard: the token is read from Authorization: Bearer", "[edge]") {
  const std::string token = "0123456789abcdef0123456789abcdef";
  using H = std::vector<std::pair<std::string, std::string>>;
  CHECK(carries_owner_token(H{{"Authorization", "Bearer " + token}}, token));
  CHECK(carries_owner_token(H{{"authorization", "bearer  " + token + " "}}, token));
  CHECK_FALSE(carries_owner_token(H{}, token));
  CHECK_FALSE(carries_owner_token(H{{"Authorization", "Basic " + token}}, token));
  CHECK_FALSE(carries_owner_token(H{{"Authorization", "Bearer " + token + "x"}}, token));
  CHECK_FALSE(carries_owner_token(H{{"Authorization", "Bearer " + token.substr(1)}}, token));
  CHECK_FALSE(carries_owner_token(H{{"Authorization", "Bearer"}}, token));
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "ab"));
  Response r = owner_token_refusal();
  CHECK(r.status == 401);
  CHECK_THAT(r.body, Catch::Contains("\"error\""));
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0] == std::make_pair(std::string("WWW-Authenticate"), std::string("Bearer")));
}
