// Single picos in a cluster of several engines on one machine
// (docs/cluster.md), on the local cluster of issue 22's tests
// (local_cluster.h): 3 etcd members, HAProxy as the router kept by
// route-sync, and 3 real `spime serve` engines with --threads 1 and the
// router as their public address. Loopback only; every wait is bounded.
//   ctx:query and wrangler:picoQuery from a pico of one engine to a pico of
//       another, with the shared host;
//   one pico moved alone with `spime cluster move-pico` while heartbeats flow
//       through the router: every acknowledged heartbeat stored, none twice,
//       and its ECIs route to it through overrides; the moves refused (a
//       pico with children, an unknown one, one already there); and back;
//   a pico move planned away from an engine, its mover gone: the pico held,
//       across a restart too, and its slot not moved meanwhile.
// The rest of issue 22's tests: cluster_router_test.cpp.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/pico_mover.h"
#include "engine/cluster/slot_fill.h"
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

TEST_CASE("cluster: ctx:query and wrangler:picoQuery reach a pico of another engine",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  SpimeServer& b = cluster.engine(1);
  spime::testing::TempDir krl;
  const std::string readings = new_child(b, b.owner_eci(), "on-b");
  install_ruleset(b, readings, file_url(krl.write("readings.krl", kReadingsRuleset)), kReadingsRid);
  for (const char* id : {"x", "y"}) {
    REQUIRE(b.event(readings, "test", "beat", {{"id", id}}).status == 200);
  }
  // A pico on a asks it the ways the reference's rulesets do: the host is
  // meta:host, which the engines share.
  const std::string asker = new_child(a, a.owner_eci(), "on-a");
  install_ruleset(a, asker, file_url(krl.write("asker.krl", R"(ruleset cluster.asker {
  meta { use module io.picolabs.wrangler alias wrangler  shares direct, wrangled, tried }
  global {
    direct = function(eci) { ctx:query(eci, "cluster.readings", "ids", {}) }
    wrangled = function(eci) { wrangler:picoQuery(eci, "cluster.readings", "ids", {}, meta:host) }
    tried = function(eci) { ctx:tryQuery(eci, "cluster.readings", "nothing", {}) }
  }
})")),
                  "cluster.asker");
  const json want = json::array({"x", "y"});
  for (const char* how : {"direct", "wrangled"}) {
    const HttpResult r = a.query(asker, "cluster.asker", how, {{"eci", readings}});
    INFO(how << ": " << describe(r));
    CHECK(r.status == 200);
    CHECK(r.body == want);
  }
  // The other engine's refusal is the query's.
  const HttpResult tried = a.query(asker, "cluster.asker", "tried", {{"eci", readings}});
  INFO(describe(tried));
  REQUIRE(tried.status == 200);
  CHECK(tried.body.at("ok") == false);
  CHECK(tried.body.at("code") == "NotFound");
  // An ECI in b's slots that b does not have: not found, as on one engine.
  const std::string unknown = readings.substr(0, 3) + std::string(22, 'Q');
  const HttpResult missing = a.query(asker, "cluster.asker", "direct", {{"eci", unknown}});
  CHECK(missing.status != 200);
  CHECK_THAT(missing.text, Catch::Contains("not found"));
}

TEST_CASE("cluster: one pico moves to another engine while heartbeats flow, its ECIs follow",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("readings.krl", kReadingsRuleset));
  // A family on a: the parent and 3 children in its slot. The first child moves alone.
  const std::string parent = new_child(a, a.owner_eci(), "family");
  std::vector<std::string> picos;
  for (int i = 0; i < 3; ++i) {
    picos.push_back(new_child(a, parent, "member-" + std::to_string(i)));
    install_ruleset(a, picos.back(), url, kReadingsRid);
  }
  const spime::cluster::Slot slot = *slot_of_eci(picos[0]);
  auto move_pico = [&](const std::string& pico, const std::string& to) {
    return run_spime({"cluster", "move-pico", pico, "--to", to, "--etcd",
                      cluster.etcd().endpoints(), "--cluster", kName, "--json"});
  };

  HeartbeatLoad load(cluster, picos);
  std::this_thread::sleep_for(1s);
  const auto moved = move_pico("member-0", "b");
  std::this_thread::sleep_for(1s);  // beats on b, through the router
  load.stop();
  INFO(describe({"cluster", "move-pico"}, moved));
  REQUIRE(moved.exit_code == 0);
  const json outcome = json::parse(moved.out, nullptr, false);
  REQUIRE(outcome.is_object());
  CHECK(outcome.at("from") == "a");
  CHECK(outcome.at("to") == "b");
  CHECK(outcome.at("from_slot") == slot_text(slot));
  CHECK(outcome.at("released") == true);
  const auto to_slot = spime::cluster::parse_slot_text(outcome.at("to_slot").get<std::string>());
  REQUIRE(to_slot);
  CHECK(spread_owner(kNodes, *to_slot) == "b");

  // Every acknowledged beat stored once: the mover on b, the others still on a.
  const std::size_t total = load.check(
      [&](std::size_t k) { return k == 0 ? cluster.engine(1).port() : cluster.engine(0).port(); });
  CHECK(total > 60);
  // Its ECI keeps its slot's prefix; the override routes it to b: through the
  // router and every engine, the same answer.
  std::optional<spime::cluster::KeyValue> override_key;
  REQUIRE(cluster.kv().get("/spime/t/overrides/" + picos[0], &override_key).is_ok());
  REQUIRE(override_key);
  CHECK(override_key->value == slot_text(*to_slot));
  const std::string ids = "/sky/cloud/" + picos[0] + "/" + kReadingsRid + "/ids";
  const HttpResult on_b = cluster.engine(1).get(ids);
  REQUIRE(on_b.status == 200);
  CHECK(cluster.router_get(ids).text == on_b.text);
  CHECK(cluster.engine(0).get(ids).text == on_b.text);
  CHECK(cluster.engine(2).get(ids).text == on_b.text);
  // a's copy is gone (asked directly, a refuses rather than forwards).
  CHECK(http_request(a.port(), "GET", ids, "", "", kHttpTimeout, {{"X-Spime-Forwarded-By", "test"}})
            .status == 503);
  // Its slot's other picos stayed on a.
  CHECK(http_request(a.port(), "GET", "/sky/cloud/" + picos[1] + "/" + kReadingsRid + "/ids", "",
                     "", kHttpTimeout, {{"X-Spime-Forwarded-By", "test"}})
            .status == 200);

  // Refused, nothing changed: a pico with children, an unknown one, one
  // already on the destination.
  for (const auto& [pico, to, why] :
       {std::tuple{"family", "b", "children"}, std::tuple{"nobody", "b", "no live node has"},
        std::tuple{"member-0", "b", "already"}}) {
    const auto refused = move_pico(pico, to);
    INFO(describe({"cluster", "move-pico", pico}, refused));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find(why) != std::string::npos);
  }
  // And back to a: served there again, its readings with it.
  const auto back = move_pico("member-0", "a");
  INFO(describe({"cluster", "move-pico", "back"}, back));
  REQUIRE(back.exit_code == 0);
  CHECK(http_request(a.port(), "GET", ids, "", "", kHttpTimeout, {{"X-Spime-Forwarded-By", "test"}})
            .text == on_b.text);
}

TEST_CASE("cluster: a pico move planned away from an engine holds the pico, across a restart too",
          "[integration][cluster]") {
  LocalCluster cluster;
  SpimeServer& a = cluster.engine(0);
  const std::string pico = new_child(a, a.owner_eci(), "held");
  const std::string other = new_child(a, pico, "kin");  // the same slot, not moving
  const json located =
      json::parse(a.post("/api/cluster/picos/held/locate", "", "application/x-spime-slot").text,
                  nullptr, false);
  REQUIRE(located.is_object());
  const std::string id = located.at("id").get<std::string>();
  CHECK(located.at("children") == 1);
  // A mover that planned the move and died (pico_mover.h's plan).
  const std::string plan_key = "/spime/t/pico-moves/" + id;
  spime::cluster::PicoMovePlan plan{"a", "b", LocalCluster::slot_of_node(1), {pico}, 1};
  REQUIRE(cluster.kv().put(plan_key, spime::cluster::encode_pico_move_plan(plan)).is_ok());
  auto held = [&] {
    const HttpResult r = a.event(pico, "test", "beat");
    return r.status == 503 && r.text.find("moving") != std::string::npos;
  };
  CHECK(eventually(held, 5s));
  CHECK(a.event(other, "test", "beat").status == 200);
  a.kill9();
  // Its lease gone, its name free again.
  REQUIRE(eventually([&] { return cluster.live("a") == false; }, 15s));
  a.start();  // reads the plan when it joins: the pico stays refused
  CHECK(held());
  CHECK(a.event(other, "test", "beat").status == 200);
  // Its slot does not move while it does (it would be on two nodes).
  const auto slot_move = run_spime({"cluster", "move", slot_text(*slot_of_eci(pico)), "--to", "b",
                                    "--etcd", cluster.etcd().endpoints(), "--cluster", kName});
  INFO(describe({"cluster", "move"}, slot_move));
  CHECK(slot_move.exit_code == 1);
  CHECK_THAT(slot_move.err, Catch::Contains("moving alone"));
  CHECK(a.event(other, "test", "beat").status == 200);  // unsealed
  // Abandoned: served again.
  REQUIRE(cluster.kv().erase(plan_key).is_ok());
  CHECK(eventually([&] { return a.event(pico, "test", "beat").status == 200; }, 5s));
}
