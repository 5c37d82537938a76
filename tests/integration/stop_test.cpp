// A clean stop: `spime serve` exits within 5 s of SIGTERM, with exit code 0
// and its data intact, after what used to keep it from stopping: the http
// module used against a loopback server that has closed since, subscriptions
// across two engines (their picos run on the I/O pool), the outbox, and a
// rule in the middle of a long computation (interrupted and rolled back).
// Every wait is bounded.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_http_server.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/subscription_helpers.h"

using namespace spime::integration;
using namespace spime::integration::subs;

namespace {

const char* kStopRuleset = R"krl(
ruleset it.stop {
  meta { shares total, arrived }
  global {
    total = function() { ent:total.defaultsTo(0) }
    arrived = function() { ent:arrived.defaultsTo(0) }
  }
  rule get {
    select when t get
    pre { resp = http:get(event:attr("url")) }
    always { ent:total := total() + 1 }
  }
  rule post {
    select when t post
    http:post(event:attr("url"), json = {"n": total()}) setting(resp)
    always { ent:total := total() + 1 }
  }
  rule forward {
    select when t forward
    event:send({"eci": event:attr("eci"), "domain": "t", "name": "arrived", "attrs": {}},
               event:attr("host"))
  }
  rule arrive {
    select when t arrived
    always { ent:arrived := arrived() + 1 }
  }
}
)krl";

// Minutes of work (about 7 ms a turn here) in a million evaluation steps, well within the
// step budget: strings rebuilt over and over.
const char* kSpinRuleset = R"krl(
ruleset it.spin {
  meta { shares spun, total }
  global {
    spun = function() { ent:spun.defaultsTo("no") }
    total = function() { ent:total.defaultsTo(0) }
  }
  rule bump {
    select when t bump
    always { ent:total := total() + 1 }
  }
  rule spin {
    select when t spin
    pre {
      out = 1.range(100000).reduce(function(a, i) {
        (a + 1.range(20000).join("x")).substr(0, 100000)
      }, "")
    }
    always { ent:spun := "yes"; ent:total := total() + 1000 }
  }
}
)krl";

constexpr auto kStopLimit = std::chrono::seconds(5);

// SIGTERM: the server must exit by itself within kStopLimit, with status 0.
void require_clean_stop(SpimeServer& s, const char* name) {
  auto t0 = std::chrono::steady_clock::now();
  int status = s.stop();
  auto took = std::chrono::steady_clock::now() - t0;
  INFO(name << " took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms to stop (status " << status << ")\n"
            << s.output());
  REQUIRE(status != -1);  // -1: it had to be killed
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(took < kStopLimit);
  CHECK_THAT(s.output(), Catch::Contains("spime serve: stopped"));
}

}  // namespace

TEST_CASE("stop: after http, subscriptions across engines and the outbox, SIGTERM stops",
          "[integration][stop]") {
  TempDir krl;
  std::optional<LoopbackHttpServer> web;
  web.emplace([](const LoopbackHttpServer::Request&, LoopbackHttpServer::Response& res) {
    res.set(boost::beast::http::field::content_type, "application/json");
    res.body() = "{\"ok\":true}";
  });
  std::string web_url = "http://127.0.0.1:" + std::to_string(web->port()) + "/x";

  // Fixed ports: the subscription names each engine's URL, and both restart.
  SpimeServer ea(ServerOptions{"", {"--port", std::to_string(free_loopback_port())}});
  SpimeServer eb(ServerOptions{"", {"--port", std::to_string(free_loopback_port())}});
  std::string host_a = ea.url();
  std::string host_b = eb.url();
  std::string a = subs_pico(ea, "A");
  std::string b = subs_pico(eb, "B");
  std::string rules = file_url(krl.write("it.stop.krl", kStopRuleset));
  install_ruleset(ea, a, rules, "it.stop");
  install_ruleset(eb, b, rules, "it.stop");

  // http, twice each way, against a server that then goes away.
  for (int i = 0; i < 2; ++i) {
    must_event(ea, a, "t", "get", {{"url", web_url}});
    must_event(ea, a, "t", "post", {{"url", web_url}});
  }
  CHECK(web->requests().size() == 4);
  web.reset();
  CHECK(must_query(ea, a, "it.stop", "total") == 4);
  // A pico that uses http runs on the I/O pool: a child it makes is activated there.
  must_event(ea, a, "wrangler", "new_child_request", {{"name", "kid"}});
  std::vector<std::string> kids = child_ecis(ea, a);
  REQUIRE(kids.size() == 1);

  // A subscription across the two engines, and an event over it.
  must_event(ea, a, "wrangler", "subscription",
             {{"wellKnown_Tx", well_known(eb, b)},
              {"Tx_host", host_b},
              {"Rx_host", host_a},
              {"Rx_role", "node"},
              {"Tx_role", "collection"},
              {"name", "far"}});
  auto size_is = [](size_t n) { return [n](const json& v) { return v.size() == n; }; };
  json in = query_until(eb, b, kSubs, "inbound", size_is(1));
  REQUIRE(in.size() == 1);
  std::string id = in[0].at("Id").get<std::string>();
  must_event(eb, b, "wrangler", "pending_subscription_approval", {{"Id", id}});
  REQUIRE(query_until(ea, a, kSubs, "established", size_is(1)).size() == 1);
  must_event(ea, a, "wrangler", "send_event_on_subs",
             {{"Tx_role", "collection"}, {"domain", "t"}, {"type", "arrived"}});
  // And one through the outbox by event:send.
  must_event(ea, a, "t", "forward", {{"eci", b}, {"host", host_b}});
  auto equals = [](int n) { return [n](const json& v) { return v == n; }; };
  REQUIRE(query_until(eb, b, "it.stop", "arrived", equals(2)) == 2);
  // The subscription's health (a skyQuery over http to the other engine).
  subs_query(ea, a, "established");

  require_clean_stop(ea, "A");
  require_clean_stop(eb, "B");

  // Everything is there after a restart, and works.
  ea.start();
  eb.start();
  CHECK(must_query(ea, a, "it.stop", "total") == 4);
  CHECK(child_ecis(ea, a) == kids);
  json est_a = established(ea, a);
  REQUIRE(est_a.size() == 1);
  CHECK(est_a[0].at("Id") == id);
  REQUIRE(established(eb, b).size() == 1);
  CHECK(must_query(eb, b, "it.stop", "arrived") == 2);
  must_event(ea, a, "wrangler", "send_event_on_subs",
             {{"Tx_role", "collection"}, {"domain", "t"}, {"type", "arrived"}});
  CHECK(query_until(eb, b, "it.stop", "arrived", equals(3)) == 3);
  require_clean_stop(ea, "A after the restart");
  require_clean_stop(eb, "B after the restart");
}

TEST_CASE("stop: a rule in the middle of a long computation is interrupted and rolled back",
          "[integration][stop]") {
  TempDir krl;
  // A web server that answers only when the test ends (at most 10 s).
  std::atomic<bool> release{false};
  LoopbackHttpServer slow(
      [&release](const LoopbackHttpServer::Request&, LoopbackHttpServer::Response&) {
        for (int i = 0; i < 500 && !release.load(); ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag = true; }
  } release_at_end{release};
  SpimeServer s;
  std::string plain = new_child(s, s.owner_eci(), "spin");
  install_ruleset(s, plain, file_url(krl.write("it.spin.krl", kSpinRuleset)), "it.spin");
  // The same on a pico that runs on the I/O pool (it uses http).
  std::string io = new_child(s, s.owner_eci(), "spin-io");
  install_ruleset(s, io, file_url(krl.write("it.spin.krl", kSpinRuleset)), "it.spin");
  install_ruleset(s, io, file_url(krl.write("it.stop.krl", kStopRuleset)), "it.stop");
  must_event(s, plain, "t", "bump");
  must_event(s, io, "t", "bump");

  // And one waiting for an http answer that does not come (the call's timeout is 10 s).
  std::string waiting = new_child(s, s.owner_eci(), "http-wait");
  install_ruleset(s, waiting, file_url(krl.write("it.stop.krl", kStopRuleset)), "it.stop");

  for (const std::string& eci : {plain, io}) {
    // /c/<eci>/event answers once the event is queued; the rule then spins.
    HttpResult r = s.post("/c/" + eci + "/event/t/spin", "{}");
    REQUIRE(r.status == 200);
  }
  // The outbox waiting for an engine that takes the POST and never answers...
  must_event(s, waiting, "t", "forward", {{"eci", "somewhere"}, {"host", slow.url()}});
  // ...and the pico waiting for its http:get.
  std::string slow_url = slow.url() + "/slow";
  REQUIRE(s.post("/c/" + waiting + "/event/t/get", json{{"url", slow_url}}.dump()).status == 200);
  REQUIRE(eventually([&] { return slow.requests().size() == 2; }, 5s));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  require_clean_stop(s, "a server with two rules spinning, one waiting for http, and a POST");
  CHECK_THAT(s.output(), Catch::Contains("interrupting what still runs"));

  s.start();
  for (const std::string& eci : {plain, io}) {
    CHECK(must_query(s, eci, "it.spin", "spun") == "no");
    CHECK(must_query(s, eci, "it.spin", "total") == 1);
  }
  CHECK(must_query(s, waiting, "it.stop", "total") == 0);
  // The event the outbox was posting is still there, for the next try.
  HttpResult outbox = s.get("/api/outbox");
  REQUIRE(outbox.status == 200);
  CHECK(outbox.body.at("waiting") == 1);
  require_clean_stop(s, "the restarted server");
}
