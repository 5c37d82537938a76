// `spime serve --owner-token-file` (issue 21 §5): /api, /metrics and the
// owner's channels need `Authorization: Bearer <token>`; every other channel
// stays a capability; the dashboard's files load for the page to ask for
// the token. channels/owner_guard_test.cpp has the route rules in detail;
// cli/edge_exposure_test.cpp the rule that ties --host to TLS and a token.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const std::string kToken = "spime-test-owner-token-0123456789abcdef";

ServerOptions with_token() {
  ServerOptions o;
  o.owner_token = kToken;
  return o;
}

// A request without the fixture's token (or with `token` instead).
HttpResult bare(const SpimeServer& s, const std::string& method, const std::string& target,
                const std::string& token = "") {
  spime::client::Options options = s.client_options();
  options.bearer_token = token;
  return http_exchange(s.client_url(), options, method, target, method == "POST" ? "{}" : "",
                       method == "POST" ? "application/json" : "");
}

}  // namespace

TEST_CASE("owner token: /api, /metrics and the owner's channels need it", "[edge]") {
  SpimeServer server(with_token());
  const std::string ui_eci = server.get("/api/ui-context").body.at("eci").get<std::string>();
  for (const std::string& target :
       {std::string("/api/ui-context"), std::string("/metrics"), std::string("/api/prototypes"),
        "/sky/cloud/" + server.owner_eci() + "/" + kWrangler + "/name",
        "/c/" + ui_eci + "/query/" + kWrangler + "/name"}) {
    INFO(target);
    HttpResult none = bare(server, "GET", target);
    CHECK(none.status == 401);
    CHECK(none.header("WWW-Authenticate") == "Bearer");
    CHECK_THAT(none.body.value("error", ""), Catch::Contains("owner's token"));
    CHECK(bare(server, "GET", target, kToken + "x").status == 401);
  }
  // An event on the owner's channel without the token changes nothing.
  HttpResult ev =
      bare(server, "POST", "/sky/event/" + server.owner_eci() + "/none/wrangler/new_child_request");
  CHECK(ev.status == 401);
  CHECK(child_ecis(server, server.owner_eci()).empty());
  // With it, all as before.
  CHECK(server.get("/api/ui-context").status == 200);
  CHECK(bare(server, "GET", "/metrics", kToken).status == 200);
}

TEST_CASE("owner token: other channels stay capabilities, the page loads", "[edge]") {
  SpimeServer server(with_token());
  const std::string child = new_child(server, server.owner_eci(), "capability");
  HttpResult q = bare(server, "POST", "/sky/cloud/" + child + "/" + kWrangler + "/name");
  INFO(describe(q));
  CHECK(q.status == 200);
  CHECK(bare(server, "GET", "/").status == 200);
  CHECK(bare(server, "GET", "/dashboard/api.js").status == 200);
  CHECK(bare(server, "OPTIONS", "/api/ui-context").status == 200);
}

TEST_CASE("owner token: a weak or exposed token file stops the start", "[edge]") {
  TempDir dir;
  const std::string short_file = dir.write("short", "tooshort\n");
  ::chmod(short_file.c_str(), 0600);
  const std::string open_file = dir.write("open", kToken + "\n");
  ::chmod(open_file.c_str(), 0644);
  ServerOptions weak;
  weak.extra_args = {"--owner-token-file", short_file};
  CHECK_THROWS_WITH(SpimeServer(weak), Catch::Contains("fewer than 32"));
  ServerOptions exposed;
  exposed.extra_args = {"--owner-token-file", open_file};
  CHECK_THROWS_WITH(SpimeServer(exposed), Catch::Contains("chmod 600"));
}
