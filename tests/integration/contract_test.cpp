// The runtime's contract over HTTP (DESIGN.md "Promises", engine/runtime/engine.h):
// an answer is a promise about every later request, no dirty reads, one FIFO
// per pico, and picos usable (and all-or-nothing) in the schedule that
// creates them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/store_counts.h"

using namespace spime::integration;

namespace {

// A child ruleset that a schedule installs on the pico it creates.
const char* kChild = R"(ruleset contract.child {
  meta { shares x, later, open }
  global {
    x = function() { ent:x }
    later = function() { ent:later.defaultsTo(0) }
    open = function() { ent:open }
  }
  rule setup { select when contract setup
    every {
      send_directive("set up", {"v": event:attr("v")})
      ctx:newChannel(tags = ["open"],
                     eventPolicy = {"allow": [{"domain": "*", "name": "*"}], "deny": []},
                     queryPolicy = {"allow": [{"rid": "*", "name": "*"}], "deny": []})
        setting(channel)
    }
    always { ent:x := event:attr("v"); ent:open := channel{"id"} } }
  rule later { select when contract later
    always { ent:later := ent:later.defaultsTo(0) + 1 } }
})";

// Creates a pico, installs contract.child on it, runs an eventQuery on it
// (which gives the pico a channel of its own: its family channel is the
// maker's alone), sends it an event there, and then fails when asked to.
const char* kMaker = R"(ruleset contract.maker {
  meta { shares made, kids }
  global {
    made = function() { ent:made }
    kids = function() { ctx:children }
    boom = function() { f = 3; f(1) }
  }
  rule make { select when contract make
    pre { url = event:attr("child_url") }
    every {
      ctx:newPico(rulesets = [{"url": url, "config": {}}]) setting(eci)
      ctx:eventQuery(eci = eci, domain = "contract", name = "setup", attrs = {"v": 42},
                     rid = "contract.child", queryName = "x") setting(x)
      ctx:event(eci = ctx:query(eci, "contract.child", "open"), domain = "contract",
                name = "later")
    }
    fired {
      ent:made := event:attr("fail") => boom()
                | {"eci": eci, "x": x, "open": ctx:query(eci, "contract.child", "open")}
    }
  }
})";

const char* kCounter = R"(ruleset contract.counter {
  meta { shares n }
  global { n = function() { ent:n.defaultsTo(0) } }
  rule inc { select when c inc always { ent:n := ent:n.defaultsTo(0) + 1 } }
})";

std::string allow_all_channel(const SpimeServer& s) {
  return new_channel(s, s.owner_eci(), "contract",
                     {{"allow", {{{"domain", "*"}, {"name", "*"}}}}, {"deny", json::array()}},
                     {{"allow", {{{"rid", "*"}, {"name", "*"}}}}, {"deny", json::array()}});
}

}  // namespace

TEST_CASE("contract: 8 clients creating children always find the new child named",
          "[integration][contract]") {
  SpimeServer server;
  constexpr int kClients = 8;
  constexpr int kPerClient = 250;  // 2,000 children in all
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::string> problems;
  auto note = [&](const std::string& p) {
    failures++;
    std::lock_guard<std::mutex> lock(mu);
    if (problems.size() < 10) problems.push_back(p);
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kPerClient && failures < 10; ++i) {
        std::string name = "c" + std::to_string(c) + "-" + std::to_string(i);
        HttpResult made =
            server.event(server.owner_eci(), "wrangler", "new_child_request", {{"name", name}});
        if (made.status != 200) {
          note("new_child_request " + name + ": " + describe(made));
          continue;
        }
        HttpResult kids = server.query(server.owner_eci(), kWrangler, "children");
        if (kids.status != 200 || !kids.body.is_array()) {
          note("children after " + name + ": " + describe(kids));
          continue;
        }
        bool found = false;
        for (const auto& k : kids.body) {
          if (!k.at("name").is_string() || !k.at("eci").is_string()) {
            note("a child without a name or eci: " + k.dump());
            break;
          }
          found = found || k.at("name") == name;
        }
        if (!found) note("the new child " + name + " is not listed");
      }
    });
  }
  for (auto& t : clients) t.join();
  INFO([&] {
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    return all;
  }());
  CHECK(failures == 0);
  CHECK(child_ecis(server, server.owner_eci()).size() == kClients * kPerClient);
}

TEST_CASE("contract: a query answered during a stream of events survives kill -9",
          "[integration][contract]") {
  SpimeServer server;
  TempDir krl;
  std::string eci = allow_all_channel(server);
  install_ruleset(server, eci, file_url(krl.write("counter.krl", kCounter)), "contract.counter");

  std::atomic<bool> stop{false};
  std::atomic<long> highest_answered{0};
  std::atomic<int> sent{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      // /c/.../event answers once the event is queued, not once it is durable.
      for (int i = 0; i < 5000 && !stop; ++i) {
        if (server.post("/c/" + eci + "/event/c/inc", "{}").status == 200) sent++;
      }
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 5000 && !stop; ++i) {
      HttpResult r = server.query(eci, "contract.counter", "n");
      if (r.status == 200 && r.body.is_number()) {
        long n = r.body.get<long>();
        if (n > highest_answered) highest_answered = n;
      }
    }
  });
  REQUIRE(eventually([&] { return highest_answered > 200; }, std::chrono::seconds(30)));
  server.kill9();
  stop = true;
  for (auto& t : senders) t.join();
  reader.join();
  server.start();
  json n = must_query(server, eci, "contract.counter", "n");
  INFO("answered " << highest_answered << " before the crash, " << n << " after");
  CHECK(n.get<long>() >= highest_answered);
}

TEST_CASE("contract: a pico created in a schedule is usable in it, all or nothing",
          "[integration][contract]") {
  SpimeServer server;
  TempDir krl;
  std::string child_url = file_url(krl.write("child.krl", kChild));
  std::string eci = allow_all_channel(server);
  install_ruleset(server, eci, file_url(krl.write("maker.krl", kMaker)), "contract.maker");
  auto kids = [&] { return must_query(server, eci, "contract.maker", "kids"); };
  json kids_before = kids();

  SECTION("success: created, set up by eventQuery, its event queued before the answer") {
    json answer = must_event(server, eci, "contract", "make", {{"child_url", child_url}});
    json made = must_query(server, eci, "contract.maker", "made");
    CHECK(made.at("x") == 42);
    std::string child = made.at("open").get<std::string>();
    CHECK(must_query(server, child, "contract.child", "x") == 42);
    // Its family channel is the maker's alone.
    CHECK(server.query(made.at("eci").get<std::string>(), "contract.child", "x").status == 403);
    // ctx:event to the new pico was queued at it before the answer left.
    CHECK(must_query(server, child, "contract.child", "later") == 1);
    server.restart();
    CHECK(must_query(server, child, "contract.child", "x") == 42);
    CHECK(kids().size() == kids_before.size() + 1);
  }

  SECTION("failure after the nested run: no trace of the pico") {
    server.stop();
    auto before = pico_key_counts(server);
    server.start();
    HttpResult r =
        server.event(eci, "contract", "make", {{"child_url", child_url}, {"fail", true}});
    INFO(describe(r));
    CHECK(r.status == 500);
    CHECK(must_query(server, eci, "contract.maker", "made").is_null());
    CHECK(kids() == kids_before);
    server.stop();
    CHECK(pico_key_counts(server) == before);
  }
}
