// io.picolabs.subscription keeps its entries in maps by Id (see its
// header): lists an older version stored still read and work, and an Id is
// one subscription.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "engine/runtime/records/pico_records.h"
#include "engine/store/keys.h"
#include "engine/store/write_batch.h"
#include "tests/runtime/offline_engine.h"

using namespace spime::runtime;
using namespace spime::runtime::testing;
using spime::krl::Map;
using spime::krl::Value;

namespace {

constexpr const char* kRid = "io.picolabs.subscription";

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

void add_subscription_ruleset(Engine& e) {
  const std::string path = std::string(SPIME_SOURCE_DIR) + "/rulesets/" + kRid + ".krl";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  e.add("file://" + path, text.str());
}

// Writes a variable of the subscription ruleset as the store would hold it.
void store_var(Engine& e, const std::string& name, const std::string& json) {
  spime::store::WriteBatch b;
  pico_records::put_entvar(&b, e.root, kRid, name, json);
  std::string err;
  REQUIRE(e.store->write(b, &err));
}

const char* kEstablished =
    R"([{"Id":"e1","Rx":"rx-e1","Tx":"tx-e1","Rx_role":"a","Tx_role":"b"},
        {"Id":"e2","Rx":"rx-e2","Tx":"tx-e2","Rx_role":"a","Tx_role":"c"}])";
const char* kInbound = R"([{"Id":"i1","Rx":"rx-i1","Tx":"tx-i1"}])";

}  // namespace

TEST_CASE("subscriptions kept as lists by an older version still read and work",
          "[runtime][subscription]") {
  Engine e;
  add_subscription_ruleset(e);
  // e2's Rx is the channel the test's events come through.
  const std::string rx = e.services->first_eci(e.root);
  std::string established_list = kEstablished;
  established_list.replace(established_list.find("rx-e2"), 5, rx);
  store_var(e, "established", established_list);
  store_var(e, "inbound", kInbound);
  store_var(e, "outbound", "[]");
  e.reopen();

  CHECK(J(e.query(kRid, "established").value) ==
        R"([{"Id":"e1","Rx":"rx-e1","Tx":"tx-e1","Rx_role":"a","Tx_role":"b"},)"
        R"({"Id":"e2","Rx":")" +
            rx + R"(","Tx":"tx-e2","Rx_role":"a","Tx_role":"c"}])");
  CHECK(J(e.query(kRid, "established", {{"key", "Tx_role"}, {"value", "c"}}).value) ==
        R"([{"Id":"e2","Rx":")" + rx + R"(","Tx":"tx-e2","Rx_role":"a","Tx_role":"c"}])");
  CHECK(J(e.query(kRid, "established", {{"key", "Id"}, {"value", "e1"}}).value) ==
        R"([{"Id":"e1","Rx":"rx-e1","Tx":"tx-e1","Rx_role":"a","Tx_role":"b"}])");
  CHECK(J(e.query(kRid, "established", {{"key", "Id"}, {"value", "i1"}}).value) == "[]");
  CHECK(J(e.query(kRid, "inbound").value) == R"([{"Id":"i1","Rx":"rx-i1","Tx":"tx-i1"}])");

  // An event on e2's Rx is about e2 only: i1 (another list's) is not approved through it.
  auto out = e.event("wrangler", "pending_subscription_approval", {{"Id", "i1"}});
  REQUIRE(out.ok);
  CHECK(out.outgoing.empty());
  CHECK(e.query(kRid, "inbound").value.as_array().size() == 1);

  // Approving the old list's request from another channel: it moves over, and the
  // approval goes to its Tx.
  e.add("mem://chan", R"(ruleset chan { meta { shares c } global { c = function() { ent:c } }
    rule make { select when t channel ctx:newChannel(["other"]) setting(ch)
      always { ent:c := ch{"id"} } } })");
  REQUIRE(e.event("t", "channel").ok);
  e.eci = e.query("chan", "c").value.as_string();
  out = e.event("wrangler", "pending_subscription_approval", {{"Id", "i1"}});
  REQUIRE(out.ok);
  REQUIRE(out.outgoing.size() == 1);
  CHECK(out.outgoing[0].eci == "tx-i1");
  CHECK(out.outgoing[0].name == "outbound_pending_subscription_approved");
  CHECK(J(e.query(kRid, "inbound").value) == "[]");
  const Value established = e.query(kRid, "established").value;
  REQUIRE(established.as_array().size() == 3);
  CHECK(J(established.as_array()[2]) == R"({"Id":"i1","Rx":"rx-i1","Tx":"tx-i1"})");

  // Stored as maps now, and the same after a restart.
  std::string raw;
  REQUIRE(pico_records::load_entvar(*e.store, e.root, kRid, "established", &raw));
  CHECK(raw.front() == '{');
  e.reopen();
  CHECK(J(e.query(kRid, "established").value) == J(established));

  // A peer on an old entry's Rx speaks for that entry only, whatever Id it names.
  e.eci = rx;
  out = e.event("wrangler", "subscription_cancellation", {{"Id", "e1"}});
  INFO(out.error);
  REQUIRE(out.ok);
  REQUIRE(out.outgoing.size() == 1);
  CHECK(out.outgoing[0].eci == "tx-e2");
  CHECK(out.outgoing[0].name == "established_removal");
}

TEST_CASE("a subscription request naming an Id the pico has is refused",
          "[runtime][subscription]") {
  Engine e;
  add_subscription_ruleset(e);
  Map request{{"Id", "same"}, {"Tx", "tx-1"}, {"Rx_role", "a"}, {"Tx_role", "b"}};
  auto out = e.event("wrangler", "new_subscription_request", request);
  REQUIRE(out.ok);
  REQUIRE(e.query(kRid, "inbound").value.as_array().size() == 1);

  request.set("Tx", "tx-2");
  out = e.event("wrangler", "new_subscription_request", request);
  REQUIRE(out.ok);
  bool refused = false;
  for (const auto& r : out.raised) refused = refused || r.name == "duplicate_subscription_Id";
  CHECK(refused);
  CHECK(J(e.query(kRid, "inbound").value) ==
        J(e.query(kRid, "inbound", {{"key", "Tx"}, {"value", "tx-1"}}).value));

  // Nor can this pico ask with it.
  out = e.event("wrangler", "subscription", {{"Id", "same"}, {"wellKnown_Tx", "wk"}});
  REQUIRE(out.ok);
  CHECK(out.outgoing.empty());
  CHECK(e.query(kRid, "outbound").value.as_array().empty());
}

TEST_CASE("the well-known channel is remembered, and found by its tags without it",
          "[runtime][subscription]") {
  Engine e;
  add_subscription_ruleset(e);
  REQUIRE(e.event("wrangler", "need_wellKnown_Rx").ok);
  const Value made = e.query(kRid, "wellKnown_Rx").value;
  REQUIRE(made.is_map());
  const std::string eci = made.as_map().find("id")->as_string();
  std::string raw;
  REQUIRE(pico_records::load_entvar(*e.store, e.root, kRid, "wellKnown_eci", &raw));
  CHECK(raw == "\"" + eci + "\"");

  // Made by an older version (nothing remembered): found by tags, then remembered.
  spime::store::WriteBatch b;
  b.erase(spime::store::keys::entvar(e.root, kRid, "wellKnown_eci"));
  std::string err;
  REQUIRE(e.store->write(b, &err));
  e.reopen();
  CHECK(J(e.query(kRid, "wellKnown_Rx").value) == J(made));
  REQUIRE(e.event("wrangler", "pico_initialized").ok);
  REQUIRE(pico_records::load_entvar(*e.store, e.root, kRid, "wellKnown_eci", &raw));
  CHECK(raw == "\"" + eci + "\"");
}
