// Several engines as one, on one machine (docs/cluster.md; issue 22's
// tests): 3 etcd members, HAProxy as the router kept by route-sync, and 3
// real `spime serve` engines with --threads 1 and the router as their public
// address, the slots spread over them by init_slot_table (`spime cluster
// init`), as LocalCluster (local_cluster.h) starts them. Loopback only;
// every wait is bounded.
//   (a) 1,002 picos over the slots of all 3 engines: each answers through the
//       router and through every engine;
//   (b) a device on one engine in a collection on another: each violation
//       logged once;
//   (c) a slot of 50 picos moved from one engine to another with `spime
//       cluster move` while heartbeats flow through the router: every
//       acknowledged heartbeat stored, none twice;
//   (d) a 4th engine joins and takes a quarter of the slots (1,024 moves,
//       `spime cluster rebalance`) while heartbeats flow through the
//       router: the same check;
//   (e) kill -9 of an engine: its slots 503, the others' 200; restarted, its
//       state is there and what waited in another's outbox arrives;
//   (f) an engine stopped past its lease, its slot given away meanwhile:
//       woken, it writes nothing for that slot;
//   (g) the etcd leader killed, (h) 2 of 3 members down: heartbeats go on,
//       and a move is refused.
// One pico moved alone (`spime cluster move-pico`), and ctx:query and
// wrangler:picoQuery across engines: cluster_picos_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slot_fill.h"
#include "engine/cluster/slot_mover.h"
#include "engine/cluster/slots.h"
#include "tests/cli/run_spime.h"
#include "tests/integration/counter_ruleset.h"
#include "tests/integration/local_cluster.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/temp_dir.h"

using namespace spime::integration;
using spime::cli_test::describe;
using spime::cli_test::run_spime;
using spime::cluster::slot_of_eci;
using spime::cluster::slot_text;
using spime::cluster::spread_owner;
using namespace std::chrono_literals;

TEST_CASE("cluster (a): picos over 3 engines answer through the router and every engine",
          "[integration][cluster]") {
  LocalCluster cluster;
  constexpr int kPerEngine = 334;  // 1,002 picos
  // Children of each engine's root: each draws a slot of its engine.
  std::vector<std::vector<std::string>> made(3);
  for (int i = 0; i < 3; ++i) {
    SpimeServer& e = cluster.engine(i);
    for (int k = 0; k < kPerEngine; ++k) {
      must_event(e, e.owner_eci(), "wrangler", "new_child_request",
                 {{"name", "p" + std::to_string(k)}});
    }
    made[static_cast<std::size_t>(i)] = child_ui_ecis(e, e.owner_eci());
    REQUIRE(made[static_cast<std::size_t>(i)].size() == kPerEngine);
  }
  std::set<spime::cluster::Slot> slots;
  for (int i = 0; i < 3; ++i) {
    for (const std::string& eci : made[static_cast<std::size_t>(i)]) {
      const auto slot = slot_of_eci(eci);
      REQUIRE(slot.has_value());
      REQUIRE(spread_owner(kNodes, *slot) == kNodes[static_cast<std::size_t>(i)]);
      slots.insert(*slot);
    }
  }
  CHECK(slots.size() > 500);  // drawn over the engines' slots, not piled on a few

  // Every pico, through the router and through each engine, by 4 clients at once.
  std::atomic<int> wrong{0};
  std::mutex mu;
  std::string first_wrong;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const auto& ecis = made[static_cast<std::size_t>(i)];
        for (std::size_t k = static_cast<std::size_t>(t); k < ecis.size(); k += 4) {
          const std::string target = "/sky/cloud/" + ecis[k] + "/" + kEngineUi + "/pico";
          std::string first;  // the same answer every way
          for (int via = -1; via < 3; ++via) {
            const HttpResult r = via < 0 ? cluster.router_get(target)
                                         : http_request(cluster.engine(via).port(), "GET", target);
            const bool ok = r.status == 200 && r.body.is_object() && r.body.contains("channels") &&
                            (first.empty() || r.text == first);
            if (!ok && wrong++ == 0) {
              std::lock_guard<std::mutex> lock(mu);
              first_wrong = target + " via " + std::to_string(via) + ": " + describe(r);
            }
            if (first.empty()) first = r.text;
          }
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  INFO(first_wrong);
  CHECK(wrong == 0);
}

TEST_CASE("cluster (b): a device on one engine in a collection on another logs each violation once",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);  // the device
  SpimeServer& b = cluster.engine(1);  // the collection
  auto run = [](std::vector<std::string> args) {
    auto r = run_spime(args);
    INFO(describe(args, r));
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  run({"collection", "new", "hallway", "--url", b.url()});
  const std::string made =
      run({"pico", "new", "temp_00", "--prototype", "esproto-temp", "--url", a.url()});
  run({"collection", "add", "hallway", "temp_00", "--member-host", a.url(), "--url", b.url()});
  // Its transducer url names the router (--public-url).
  const std::string prefix = "transducer url  " + cluster.router().url();
  const auto at = made.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string target =
      made.substr(at + prefix.size(), made.find('\n', at) - at - prefix.size());
  REQUIRE(target.rfind("/sky/event/", 0) == 0);

  const std::string shared = SPIME_SHARED_DIR "/esproto/";
  const std::string hot = read_file(shared + "temp-hot.json");
  const std::string cold = read_file(shared + "temp-cold.json");
  const std::string normal = read_file(shared + "temp-normal.json");
  REQUIRE(!hot.empty());
  auto logged = [&](json* page) {
    auto r = run_spime({"violations", "hallway", "--limit", "100", "--json", "--url", b.url()});
    *page = json::parse(r.out, nullptr, false);
    return r.exit_code == 0 && page->is_object() ? page->at("entries").size() : std::size_t{0};
  };
  // The member's side of the subscription settles after `collection add`
  // answers: until then the device has no collection to report to. Hot
  // beats until one is logged; what is logged from then on is counted.
  json page;
  bool settled = false;
  for (int i = 0; i < 75 && !settled; ++i) {  // at most about 15 s
    REQUIRE(cluster.router_post(target, hot).status == 200);
    settled = logged(&page) > 0;
    if (!settled) std::this_thread::sleep_for(200ms);
  }
  REQUIRE(settled);
  std::this_thread::sleep_for(1s);  // what is on its way lands
  const std::size_t before = logged(&page);
  constexpr int kRounds = 8;
  for (int i = 0; i < kRounds; ++i) {  // each round: one hot, one cold, one normal
    for (const std::string* beat : {&hot, &cold, &normal}) {
      const HttpResult r = cluster.router_post(target, *beat);
      INFO(describe(r));
      REQUIRE(r.status == 200);
    }
  }
  // Every violation, once: 2 a round.
  CHECK(eventually([&] { return logged(&page) >= before + 2 * kRounds; }, 15s));
  std::this_thread::sleep_for(1s);  // and no more
  CHECK(logged(&page) == before + 2 * kRounds);
  std::set<std::string> cursors;
  for (const json& e : page["entries"]) cursors.insert(e.at("cursor").dump());
  CHECK(cursors.size() == page["entries"].size());
  // Nothing waits in an outbox, nothing was dropped.
  for (int i = 0; i < 3; ++i) {
    const json o = cluster.engine(i).get("/api/outbox").body;
    CHECK(o.at("waiting") == 0);
    CHECK(o.at("dropped") == 0);
  }
}

TEST_CASE("cluster (c): a slot of 50 picos moves to another engine while heartbeats flow",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("readings.krl", kReadingsRuleset));
  // A parent on a draws one of a's slots; its 49 children are made in it.
  std::vector<std::string> picos{new_child(a, a.owner_eci(), "parent")};
  for (int i = 1; i < 50; ++i) picos.push_back(new_child(a, picos[0], "p" + std::to_string(i)));
  const spime::cluster::Slot slot = *slot_of_eci(picos[0]);
  for (const std::string& eci : picos) {
    REQUIRE(slot_of_eci(eci) == slot);
    install_ruleset(a, eci, url, kReadingsRid);
  }

  HeartbeatLoad load(cluster, picos);
  std::this_thread::sleep_for(1s);
  const auto moved = run_spime({"cluster", "move", slot_text(slot), "--to", "b", "--etcd",
                                cluster.etcd().endpoints(), "--cluster", kName, "--json"});
  std::this_thread::sleep_for(1s);  // beats on b, through the router
  load.stop();
  INFO(describe({"cluster", "move"}, moved));
  REQUIRE(moved.exit_code == 0);
  const json outcome = json::parse(moved.out, nullptr, false);
  REQUIRE(outcome.is_object());
  CHECK(outcome.at("from") == "a");
  CHECK(outcome.at("picos") == 50);
  CHECK(outcome.at("released") == true);

  // Each pico, now on b: every acknowledged beat stored once, nothing else.
  std::optional<spime::cluster::KeyValue> owner;
  REQUIRE(cluster.kv().get("/spime/t/slots/" + slot_text(slot), &owner).is_ok());
  REQUIRE(owner);
  CHECK(owner->value == "b");
  const std::size_t total = load.check([&](std::size_t) { return cluster.engine(1).port(); });
  CHECK(total > 100);  // heartbeats flowed before, during and after
  // a forwards what still reaches it; its copy is gone.
  CHECK(cluster.engine(0).get("/sky/cloud/" + picos[1] + "/" + kReadingsRid + "/ids").status ==
        200);
  CHECK(http_request(cluster.engine(0).port(), "GET",
                     "/sky/cloud/" + picos[1] + "/" + kReadingsRid + "/ids", "", "", kHttpTimeout,
                     {{"X-Spime-Forwarded-By", "test"}})
            .status == 503);
}

TEST_CASE("cluster (d): a 4th engine joins and takes a quarter of the slots while heartbeats flow",
          "[integration][cluster]") {
  LocalCluster cluster;
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("readings.krl", kReadingsRuleset));
  // 12 picos on each engine, children of its root: each in a slot of its engine.
  constexpr int kPerEngine = 12;
  std::vector<std::string> picos;
  for (int i = 0; i < 3; ++i) {
    SpimeServer& e = cluster.engine(i);
    for (int k = 0; k < kPerEngine; ++k) {
      picos.push_back(new_child(e, e.owner_eci(), "p" + std::to_string(k)));
      install_ruleset(e, picos.back(), url, kReadingsRid);
    }
  }
  SpimeServer& d = cluster.add_engine("d");
  REQUIRE(eventually([&] { return cluster.live("d", 0) == true; }, 10s));
  HeartbeatLoad load(cluster, picos);
  std::this_thread::sleep_for(500ms);
  // One command: d takes its share, a third from each engine.
  const auto even = run_spime(
      {"cluster", "rebalance", "--etcd", cluster.etcd().endpoints(), "--cluster", kName, "--json"},
      {}, 300s);
  std::this_thread::sleep_for(1s);  // beats on d, through the router
  load.stop();
  INFO(describe({"cluster", "rebalance"}, even));
  REQUIRE(even.exit_code == 0);
  const json outcome = json::parse(even.out, nullptr, false);
  REQUIRE(outcome.is_object());
  CHECK(outcome.at("moved") == 1024);
  std::map<std::string, int> from;
  for (const json& m : outcome.at("planned")) {
    CHECK(m.at("to") == "d");
    ++from[m.at("from").get<std::string>()];
  }
  CHECK(from.size() == 3);
  // Each of the 36 picos is in a moved slot with odds 1 in 4: none moved
  // would be a chance of 3 in 100,000.
  CHECK(outcome.at("picos") > 0);
  CHECK(d.get("/api/cluster").body.at("slots") == 1024);
  for (int i = 0; i < 3; ++i) CHECK(cluster.engine(i).get("/api/cluster").body.at("slots") == 1024);
  const std::size_t total = load.check([&](std::size_t) { return cluster.router().port(); });
  CHECK(total > 100);
}

TEST_CASE("cluster: a move planned away from an engine holds its slot, across a restart too",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  const std::string pico = new_child(a, a.owner_eci(), "held");
  const std::string slot = slot_text(*slot_of_eci(pico));
  const std::string query = "/sky/cloud/" + pico + "/" + kWrangler + "/name";
  REQUIRE(cluster.router_get(query).status == 200);
  // A mover that planned the move and died (slot_mover.h's plan).
  const std::string plan_key = "/spime/t/moves/" + slot;
  REQUIRE(cluster.kv().put(plan_key, spime::cluster::encode_move_plan("a", "b", 1)).is_ok());
  auto refused = [&] {
    const HttpResult r = cluster.router_get(query);
    return r.status == 503 && r.text.find("moving") != std::string::npos;
  };
  CHECK(eventually(refused, 5s));
  CHECK(a.event(pico, "test", "beat").status == 503);
  a.kill9();
  // Its lease gone, its name free again.
  REQUIRE(eventually([&] { return cluster.live("a") == false; }, 15s));
  a.start();  // reads the plan when it joins: the slot stays refused
  const HttpResult direct = a.get(query);
  CHECK(direct.status == 503);
  CHECK_THAT(direct.text, Catch::Contains("moving"));
  CHECK(a.event(pico, "test", "beat").status == 503);
  // The router, once route-sync has its new address.
  CHECK(eventually(refused, 5s));
  // Abandoned: served again, its state intact.
  REQUIRE(cluster.kv().erase(plan_key).is_ok());
  CHECK(eventually([&] { return cluster.router_get(query).status == 200; }, 5s));
  CHECK(cluster.router_get(query).body == "held");
}

TEST_CASE(
    "cluster (e): an engine killed: its slots 503, the others serve, and restarted, it catches up",
    "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  SpimeServer& b = cluster.engine(1);
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("counter.krl", kCounterRuleset));
  const std::string on_a = new_child(a, a.owner_eci(), "on a");
  const std::string on_b = new_child(b, b.owner_eci(), "on b");
  install_ruleset(a, on_a, url, kCounterRid);
  install_ruleset(b, on_b, url, kCounterRid);
  const std::string b_query = "/sky/cloud/" + on_b + "/" + kCounterRid + "/got";
  const std::string a_query = "/sky/cloud/" + on_a + "/" + kCounterRid + "/got";
  REQUIRE(cluster.router_get(b_query).status == 200);

  b.kill9();
  // b's slot: 503 with Retry-After once its lease is gone; a's still served.
  CHECK(eventually(
      [&] {
        const HttpResult r = cluster.router_get(b_query);
        return r.status == 503 && r.header("Retry-After") == "1";
      },
      10s));
  CHECK(cluster.router_get(a_query).status == 200);
  // An event for b's pico waits in a's outbox.
  must_event(a, on_a, "test", "send", {{"to", on_b}});
  CHECK(eventually([&] { return a.get("/api/outbox").body.at("waiting") == 1; }));

  b.start();  // the same disk; a new port, advertised anew
  CHECK(eventually(
      [&] {
        const HttpResult r = cluster.router_get(b_query);
        return r.status == 200 && r.body == 1;
      },
      20s));
  // The outbox counts the delivery once b's answer is back: soon after.
  CHECK(eventually([&] { return a.get("/api/outbox").body.at("waiting") == 0; }));
  CHECK(must_query(b, on_b, kWrangler, "name") == "on b");  // its state, from its disk
}

TEST_CASE("cluster (f): an engine stopped past its lease writes nothing for a slot it lost",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& b = cluster.engine(1);
  spime::testing::TempDir krl;
  const std::string on_b = new_child(b, b.owner_eci(), "on b");
  install_ruleset(b, on_b, file_url(krl.write("counter.krl", kCounterRuleset)), kCounterRid);
  const std::string slot_key = "/spime/t/slots/" + slot_text(*slot_of_eci(on_b));

  b.pause();
  // b's lease expires; meanwhile its slot is given to a (as a move's flip would).
  REQUIRE(eventually([&] { return cluster.live("b", 0) == false; }, 15s));
  REQUIRE(cluster.kv().put(slot_key, "a").is_ok());
  b.resume();
  // Woken: b takes no event for the lost slot (refused while its lease is
  // unconfirmed, then forwarded to a, which has no such pico).
  for (int i = 0; i < 10; ++i) {
    const HttpResult r = b.event(on_b, "test", "got");
    INFO(describe(r));
    CHECK(r.status != 200);
    std::this_thread::sleep_for(100ms);
  }
  // The slot back: b serves its pico, which counted nothing.
  REQUIRE(cluster.kv().put(slot_key, "b").is_ok());
  CHECK(eventually(
      [&] {
        const HttpResult r = b.get("/sky/cloud/" + on_b + "/" + kCounterRid + "/got");
        return r.status == 200 && r.body == 0;
      },
      15s));
}

TEST_CASE("cluster (g, h): heartbeats go on with the etcd leader killed, then 2 of 3 members down",
          "[integration][cluster]") {
  // 10 s leases (the default): an election takes etcd up to two election
  // timeouts (2 s) before a member says it has no leader (docs/cluster.md).
  LocalCluster cluster(10);
  std::vector<std::string> picos;
  for (int i = 0; i < 3; ++i) {
    picos.push_back(new_child(cluster.engine(i), cluster.engine(i).owner_eci(), "p"));
  }
  // Heartbeats through the router to a pico on each engine for `span`
  // (longer than the leases): how many were not 200, and the first such.
  std::string first_failure;
  auto beat_for = [&](std::chrono::milliseconds span) {
    int failed = 0;
    const auto end = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < end) {
      for (const std::string& eci : picos) {
        const HttpResult r = cluster.router_post("/sky/event/" + eci + "/none/test/beat", "{}");
        if (r.status != 200 && failed++ == 0) first_failure = describe(r);
      }
      std::this_thread::sleep_for(100ms);
    }
    return failed;
  };
  REQUIRE(beat_for(500ms) == 0);

  // The leader: the member whose status names itself.
  int leader = -1;
  for (int i = 0; i < 3 && leader < 0; ++i) {
    const HttpResult r = http_exchange(cluster.etcd().urls()[static_cast<std::size_t>(i)], {},
                                       "POST", "/v3/maintenance/status", "{}", "application/json");
    if (r.status == 200 && r.body.at("header").at("member_id") == r.body.at("leader")) leader = i;
  }
  REQUIRE(leader >= 0);
  cluster.etcd().kill9(leader);
  int failed = beat_for(12s);
  std::string logs;  // the engines' cluster lines, when something failed
  for (int i = 0; i < 3 && failed > 0; ++i) {
    std::istringstream lines(cluster.engine(i).output());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("cluster:") != std::string::npos) logs += kNodes[i] + ": " + line + "\n";
    }
  }
  INFO(first_failure << "\n" << logs);
  CHECK(failed == 0);

  // A second member down: no quorum, no lease can expire; the engines keep serving.
  cluster.etcd().kill9((leader + 1) % 3);
  failed = beat_for(12s);
  INFO(first_failure);
  CHECK(failed == 0);
  for (int i = 0; i < 3; ++i) {
    CHECK(cluster.engine(i).get("/api/cluster").body.at("fence") == "open");
  }
  // Moves are refused without a quorum; the slot stays where it is.
  const std::string slot = slot_text(*slot_of_eci(picos[0]));
  const auto move = run_spime({"cluster", "move", slot, "--to", "b", "--etcd",
                               cluster.etcd().endpoints(), "--cluster", kName});
  INFO(describe({"cluster", "move"}, move));
  CHECK(move.exit_code != 0);
  CHECK(cluster.router_post("/sky/event/" + picos[0] + "/none/test/beat", "{}").status == 200);
  CHECK(cluster.engine(0).get("/sky/cloud/" + picos[0] + "/" + kWrangler + "/name").status == 200);
}
