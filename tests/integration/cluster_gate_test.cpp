// The slot gate on real `spime serve` nodes (channels/slot_gate.h,
// cluster/slot_route.h): two engines in a cluster kept in the test's own
// etcd; slots handed to the second one by writing the table in etcd (as a
// move's flip will). A request reaches the pico whichever engine it is sent
// to (forwarded once), a second hop is refused, as are slots whose owner is
// not live, streams for another engine's slot, and a dead owner's slots.
// Events sent without a host reach a pico of the other engine (the engines
// of a cluster share one meta:host, so the reference's rulesets send so).
#include <catch2/catch.hpp>

#include <string>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/integration/counter_ruleset.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/temp_dir.h"

using namespace spime::integration;
using spime::cluster::EtcdClient;
using spime::cluster::slot_of_eci;
using spime::cluster::slot_text;

namespace {

ServerOptions node(const EtcdCluster& etcd, const std::string& name) {
  ServerOptions o;
  o.extra_args = {"--cluster-etcd", etcd.endpoints(),
                  "--cluster",      "g",
                  "--node",         name,
                  "--lease-ttl",    "3",
                  "--threads",      "1"};
  return o;
}

int slots_of(const SpimeServer& s) {
  const HttpResult r = s.get("/api/cluster");
  return r.status == 200 ? r.body.at("slots").get<int>() : -1;
}

HttpResult forwarded_get(const SpimeServer& s, const std::string& target) {
  return http_request(s.port(), "GET", target, "", "", kHttpTimeout,
                      {{"X-Spime-Forwarded-By", "elsewhere"}});
}

}  // namespace

TEST_CASE("slot gate: each engine serves its slots and forwards the others' once",
          "[integration][cluster]") {
  EtcdCluster etcd(1);
  SpimeServer a(node(etcd, "a"));  // the first node: every slot
  SpimeServer b(node(etcd, "b"));
  EtcdClient kv(etcd.urls());
  for (unsigned s = 0x800; s < 0x810; ++s) {  // b takes 16 slots
    REQUIRE(
        kv.put("/spime/g/slots/" + slot_text(static_cast<spime::cluster::Slot>(s)), "b").is_ok());
  }
  REQUIRE(eventually([&] { return slots_of(b) == 16 && slots_of(a) == 4096 - 16; }));

  // A pico made on b draws one of b's slots; one made on a, one of a's.
  const std::string on_b = new_child(b, b.owner_eci(), "on b");
  const std::string on_a = new_child(a, a.owner_eci(), "on a");
  const auto slot_b = slot_of_eci(on_b);
  const auto slot_a = slot_of_eci(on_a);
  REQUIRE(slot_b.has_value());
  REQUIRE(slot_a.has_value());
  CHECK(*slot_b >= 0x800);
  CHECK(*slot_b < 0x810);
  CHECK((*slot_a < 0x800 || *slot_a >= 0x810));

  // Either engine answers for either pico: queries and events.
  for (const SpimeServer* s : {&a, &b}) {
    CHECK(must_query(*s, on_b, kWrangler, "name") == "on b");
    CHECK(must_query(*s, on_a, kWrangler, "name") == "on a");
    const HttpResult e = s->event(on_b, "test", "ping");
    INFO(describe(e));
    CHECK(e.status == 200);
    CHECK(e.body.contains("eid"));
  }
  // An error answer comes back as the owner gave it.
  HttpResult r = a.get("/sky/cloud/" + on_b + "/no.such.rid/f");
  CHECK(r.status == b.get("/sky/cloud/" + on_b + "/no.such.rid/f").status);
  CHECK(r.body == b.get("/sky/cloud/" + on_b + "/no.such.rid/f").body);

  // A forwarded request is never forwarded again.
  r = forwarded_get(a, "/sky/cloud/" + on_b + "/io.picolabs.wrangler/name");
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(r.body.at("error") == "Error: slot " + slot_text(*slot_b) +
                                  " belongs to node b, and the request was forwarded already");
  // ... but served where it belongs.
  CHECK(forwarded_get(b, "/sky/cloud/" + on_b + "/io.picolabs.wrangler/name").status == 200);
  // Streams are not forwarded.
  r = a.get("/c/" + on_b + "/stream");
  CHECK(r.status == 503);
  CHECK_THAT(r.body.at("error").get<std::string>(), Catch::Contains("streams are not forwarded"));

  // A slot whose owner is not live: refused, nothing runs.
  REQUIRE(kv.put("/spime/g/slots/900", "ghost").is_ok());
  const std::string ghost = "900" + std::string(22, 'Q');
  REQUIRE(eventually([&] { return a.get("/sky/cloud/" + ghost + "/r/f").status == 503; }));
  r = b.post("/sky/event/" + ghost + "/none/test/ping", "{}");
  CHECK(r.status == 503);
  CHECK(r.body.at("error") == "Error: slot 900 belongs to node ghost, which is not live");

  // b dies: its slots are refused through a (a failed forward, then, once
  // b's lease has expired, "not live"); a's own picos are still served.
  b.kill9();
  r = a.get("/sky/cloud/" + on_b + "/io.picolabs.wrangler/name");
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(eventually(
      [&] {
        const HttpResult x = a.get("/sky/cloud/" + on_b + "/io.picolabs.wrangler/name");
        return x.status == 503 && x.body.at("error") == "Error: slot " + slot_text(*slot_b) +
                                                            " belongs to node b, which is not live";
      },
      std::chrono::seconds(10)));
  CHECK(must_query(a, on_a, kWrangler, "name") == "on a");
}

TEST_CASE("cluster: an event sent without a host reaches a pico of another engine",
          "[integration][cluster]") {
  EtcdCluster etcd(1);
  SpimeServer a(node(etcd, "a"));
  SpimeServer b(node(etcd, "b"));
  EtcdClient kv(etcd.urls());
  REQUIRE(kv.put("/spime/g/slots/800", "b").is_ok());
  REQUIRE(eventually([&] { return slots_of(b) == 1 && slots_of(a) == 4095; }));
  spime::testing::TempDir krl;
  const std::string url = file_url(krl.write("send.krl", kCounterRuleset));
  const std::string on_a = new_child(a, a.owner_eci(), "on a");
  const std::string on_b = new_child(b, b.owner_eci(), "on b");
  REQUIRE(slot_of_eci(on_b) == spime::cluster::Slot{0x800});
  install_ruleset(a, on_a, url, kCounterRid);
  install_ruleset(b, on_b, url, kCounterRid);

  // a's pico to b's, and back; each engine sends through the outbox to its
  // meta:host (here its own address, whose gate forwards to the owner).
  must_event(a, on_a, "test", "send", {{"to", on_b}});
  CHECK(eventually([&] { return must_query(b, on_b, kCounterRid, "got") == 1; }));
  must_event(b, on_b, "test", "send", {{"to", on_a}});
  CHECK(eventually([&] { return must_query(a, on_a, kCounterRid, "got") == 1; }));
  // A pico's own slot stays local.
  must_event(a, on_a, "test", "send", {{"to", on_a}});
  CHECK(eventually([&] { return must_query(a, on_a, kCounterRid, "got") == 2; }));
  CHECK(a.get("/api/outbox").body.at("delivered") == 1);
}
