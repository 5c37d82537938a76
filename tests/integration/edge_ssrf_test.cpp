// The http module's destination guard end to end (issue 21 §5): a rule's
// http:get cannot reach the engine's own /api/ui-context (which would hand
// it the owner's UI ECI), loopback or link-local unless `spime serve
// --http-allow` says so. destination_guard_test.cpp has the rules in detail.
#include <catch2/catch.hpp>

#include <atomic>

#include "tests/integration/loopback_http_server.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kFetchRuleset = R"krl(
ruleset it.fetch {
  rule get {
    select when t get
    pre {
      resp = http:get(event:attr("url"), parseJSON = true, errorResponse = true)
    }
    send_directive("resp", resp)
  }
}
)krl";

struct Fetcher {
  TempDir krl;
  SpimeServer server;
  std::string pico;
  explicit Fetcher(ServerOptions options) : server(std::move(options)) {
    pico = new_child(server, server.owner_eci(), "fetcher");
    install_ruleset(server, pico, file_url(krl.write("it.fetch.krl", kFetchRuleset)), "it.fetch");
  }
  json get(const std::string& url) {
    json answer = must_event(server, pico, "t", "get", {{"url", url}});
    REQUIRE(answer.at("directives").size() == 1);
    return answer.at("directives")[0].at("options");
  }
};

ServerOptions guarded() {
  ServerOptions o;
  o.http_allow_loopback = false;
  return o;
}

}  // namespace

TEST_CASE("ssrf: a rule cannot read the engine's own /api/ui-context by default", "[edge]") {
  Fetcher f(guarded());
  json r = f.get(f.server.url() + "/api/ui-context");
  INFO(r.dump());
  CHECK(r.at("status_code").is_null());
  const std::string error = r.at("error").get<std::string>();
  // Its own listening address (and a loopback one): refused either way.
  CHECK_THAT(error, Catch::Contains("destination refused") &&
                        Catch::Contains("own listening address") &&
                        Catch::Contains("--http-allow"));
  CHECK(r.dump().find(f.server.get("/api/ui-context").body.at("eci").get<std::string>()) ==
        std::string::npos);

  // Names and spellings of loopback and "this host" are refused alike.
  const std::string port = std::to_string(f.server.port());
  for (const std::string host :
       {"localhost", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "127.1.2.3"}) {
    json other = f.get("http://" + host + ":" + port + "/api/ui-context");
    INFO(host << " -> " << other.dump());
    CHECK(other.at("status_code").is_null());
    CHECK_THAT(other.at("error").get<std::string>(), Catch::Contains("destination refused"));
  }
}

TEST_CASE("ssrf: link-local (the cloud metadata address) is refused", "[edge]") {
  Fetcher f(guarded());
  json r = f.get("http://169.254.169.254/latest/meta-data/");
  INFO(r.dump());
  CHECK(r.at("status_code").is_null());
  CHECK_THAT(r.at("error").get<std::string>(),
             Catch::Contains("destination refused") && Catch::Contains("link-local"));
  json v6 = f.get("http://[fe80::1]:80/");
  CHECK_THAT(v6.at("error").get<std::string>(), Catch::Contains("link-local"));
}

TEST_CASE("ssrf: --http-allow lets a rule reach an allowed destination", "[edge]") {
  ServerOptions o = guarded();
  o.extra_args = {"--http-allow", "127.0.0.1"};
  Fetcher f(o);
  json r = f.get(f.server.url() + "/api/ui-context");
  INFO(r.dump());
  REQUIRE(r.at("status_code") == 200);
  CHECK(r.at("content").at("eci") == f.server.get("/api/ui-context").body.at("eci"));
  // Only what the list names: ::1 stays refused.
  json v6 = f.get("http://[::1]:" + std::to_string(f.server.port()) + "/api/ui-context");
  CHECK_THAT(v6.at("error").get<std::string>(), Catch::Contains("destination refused"));
}

TEST_CASE("ssrf: a redirect is checked again", "[edge]") {
  std::atomic<unsigned short> engine_port{0};
  LoopbackHttpServer web(
      [&](const LoopbackHttpServer::Request&, LoopbackHttpServer::Response& res) {
        res.result(boost::beast::http::status::found);
        res.set(boost::beast::http::field::location,
                "http://127.0.0.1:" + std::to_string(engine_port.load()) + "/api/ui-context");
      });
  // The allow-list names the peer's port only: the engine's own stays refused.
  ServerOptions o = guarded();
  o.extra_args = {"--http-allow", "127.0.0.1:" + std::to_string(web.port())};
  Fetcher f(o);
  engine_port = f.server.port();
  json r = f.get("http://127.0.0.1:" + std::to_string(web.port()) + "/go");
  INFO(r.dump());
  CHECK(r.at("status_code").is_null());
  CHECK_THAT(r.at("error").get<std::string>(), Catch::Contains("destination refused"));
  CHECK(web.requests().size() == 1);
}

TEST_CASE("ssrf: a bad --http-allow is a usage error", "[edge]") {
  ServerOptions o = guarded();
  o.extra_args = {"--http-allow", "10.0.0.0/99"};
  CHECK_THROWS_WITH(SpimeServer(o), Catch::Contains("prefix length"));
}
