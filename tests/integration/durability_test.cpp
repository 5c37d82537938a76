// Durability: a clean restart keeps everything (picos, channels, installed
// rulesets, entity variables); a SIGKILL loses nothing that was acknowledged.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kState = R"krl(
ruleset it.state {
  meta {
    shares all
  }
  global {
    all = function() {
      {"n": ent:n, "s": ent:s, "list": ent:list, "map": ent:map}
    }
  }
  rule set {
    select when state set
    fired {
      ent:n := event:attr("n");
      ent:s := event:attr("s");
      ent:list := [1, "two", {"three": 3}];
      ent:map := {"nested": {"deep": [true, null]}}
    }
  }
}
)krl";

const char* kLog = R"krl(
ruleset it.log {
  meta {
    shares log
  }
  global {
    log = function() { ent:log.defaultsTo([]) }
  }
  rule append {
    select when log append
    fired {
      ent:log := log().append(event:attr("n"))
    }
  }
}
)krl";

// Everything a client can see of a pico (and, recursively, its children,
// reached through the client channels of `reach`: family ECI -> channel).
json snapshot(const SpimeServer& s, const std::string& eci, bool with_state,
              const std::map<std::string, std::string>& reach) {
  json out;
  out["rids"] = must_query(s, eci, kWrangler, "installedRIDs");
  out["channels"] = must_query(s, eci, kWrangler, "channels");
  out["children"] = must_query(s, eci, kWrangler, "children");
  if (with_state) out["state"] = must_query(s, eci, "it.state", "all");
  for (const auto& c : out["children"]) {
    std::string family = c.at("eci").get<std::string>();
    REQUIRE(reach.count(family));
    out["child:" + family] = snapshot(s, reach.at(family), true, reach);
  }
  return out;
}

}  // namespace

TEST_CASE("restart: picos, channels, rulesets and entity variables are identical",
          "[integration]") {
  TempDir krl;
  SpimeServer server;
  const std::string root = server.owner_eci();
  std::string url = file_url(krl.write("it.state.krl", kState));
  ChildPico pa = new_child_pico(server, root, "a");
  ChildPico pb = new_child_pico(server, root, "b");
  ChildPico pg = new_child_pico(server, pa.eci, "a1");
  std::map<std::string, std::string> reach{
      {pa.family_eci, pa.eci}, {pb.family_eci, pb.eci}, {pg.family_eci, pg.eci}};
  std::string a = pa.eci, b = pb.eci, grandchild = pg.eci;
  for (const std::string& eci : {a, b, grandchild}) {
    install_ruleset(server, eci, url, "it.state");
  }
  must_event(server, a, "state", "set", {{"n", 42}, {"s", "hello"}});
  must_event(server, grandchild, "state", "set", {{"n", 1.5}, {"s", "üñí"}});
  json open_events = {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
                      {"deny", json::array({{{"domain", "x"}, {"name", "y"}}})}};
  json open_queries = {{"allow", json::array({{{"rid", "it.state"}, {"name", "*"}}})},
                       {"deny", json::array()}};
  std::string extra = new_channel(server, b, "extra", open_events, open_queries);

  json before = snapshot(server, root, false, reach);
  REQUIRE(before["children"].size() == 2);
  REQUIRE(before["child:" + pa.family_eci]["state"]["n"] == 42);

  int status = server.stop();
  REQUIRE(status != -1);  // stopped by SIGTERM within the bound, not killed
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  server.start();

  CHECK(server.owner_eci() == root);
  json after = snapshot(server, root, false, reach);
  CHECK(after == before);
  // The extra channel's policies still apply.
  CHECK(server.event(extra, "x", "y").status == 403);
  CHECK(server.query(extra, kWrangler, "installedRIDs").status == 403);
  CHECK(must_query(server, extra, "it.state", "all") == before["child:" + pb.family_eci]["state"]);
  // And the picos still work.
  must_event(server, b, "state", "set", {{"n", 7}, {"s", "after"}});
  CHECK(must_query(server, b, "it.state", "all")["n"] == 7);
}

TEST_CASE("SIGKILL: every acknowledged event is still there after a restart", "[integration]") {
  TempDir krl;
  SpimeServer server;
  std::string eci = new_child(server, server.owner_eci(), "log");
  install_ruleset(server, eci, file_url(krl.write("it.log.krl", kLog)), "it.log");

  std::mutex mu;
  std::vector<int> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  unsigned short port = server.port();
  std::thread client([&] {
    for (int n = 0; n < 100000 && !stop.load(); ++n) {
      HttpResult r =
          http_request(port, "POST", "/sky/event/" + eci + "/none/log/append",
                       json{{"n", n}}.dump(), "application/json", std::chrono::seconds(5));
      if (r.status != 200) {
        ++failures;
        return;  // the server is gone (or refused): stop the stream
      }
      std::lock_guard<std::mutex> lock(mu);
      acked.push_back(n);
    }
  });
  // Let a good number of events through, then kill the server mid-stream.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (acked.size() >= 60) break;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.kill9();
  stop = true;
  client.join();
  REQUIRE(acked.size() >= 20);  // the stream really ran before the kill

  server.start();
  json log = must_query(server, eci, "it.log", "log");
  std::vector<int> kept = log.get<std::vector<int>>();
  INFO("acknowledged " << acked.size() << ", kept " << kept.size());
  // Events ran in order, one after the other: the log is 0..k without holes,
  // and k covers every acknowledged n (the one in flight may or may not be in).
  REQUIRE(kept.size() >= acked.size());
  CHECK(kept.size() <= acked.size() + 1);
  for (size_t i = 0; i < kept.size(); ++i) {
    CHECK(kept[i] == static_cast<int>(i));
  }
  // The pico keeps working after recovery.
  must_event(server, eci, "log", "append", {{"n", -1}});
  CHECK(must_query(server, eci, "it.log", "log").back() == -1);
}
