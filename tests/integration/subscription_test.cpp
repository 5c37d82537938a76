// io.picolabs.subscription on a real `spime serve`: the reference 1.x
// protocol (request, inbound pending, approval, events over the
// subscription, cancellation from either side, rejection, withdrawal,
// auto-accept, cleanup), the query shapes clients see, the channels' policies,
// the health query, and the same protocol across two engines.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/subscription_helpers.h"

using namespace spime::integration;
using namespace spime::integration::subs;

namespace {

const std::vector<std::string> kOutboundKeys = {"Rx_role", "Tx_role", "Id", "wellKnown_Tx", "Rx"};
const std::vector<std::string> kInboundKeys = {"Rx_role", "Tx_role", "Id", "Tx", "Rx"};

// Two picos with subscriptions and the recording app ruleset; A asks B.
struct Pair {
  const SpimeServer& s;
  TempDir krl;
  std::string a, b;
  explicit Pair(const SpimeServer& server) : s(server) {
    a = subs_pico(s, "A");
    b = subs_pico(s, "B");
    std::string app = file_url(krl.write("it.subs_app.krl", kAppRuleset));
    install_ruleset(s, a, app, "it.subs_app");
    install_ruleset(s, b, app, "it.subs_app");
  }
  // A: wrangler:subscription to B's wellKnown_Rx.
  void send_request(json attrs) {
    attrs["wellKnown_Tx"] = well_known(s, b);
    must_event(s, a, "wrangler", "subscription", attrs);
  }
  // The same, when B does not accept it at once; returns the new Id.
  std::string request(json attrs = json::object()) {
    size_t before = outbound(s, a).size();
    send_request(std::move(attrs));
    json out = outbound(s, a);
    REQUIRE(out.size() == before + 1);
    return out.back().at("Id").get<std::string>();
  }
  // B approves Id; both sides then hold it established.
  void approve(const std::string& id) {
    must_event(s, b, "wrangler", "pending_subscription_approval", {{"Id", id}});
  }
  json got(const std::string& eci) const { return must_query(s, eci, "it.subs_app", "got"); }
};

json find_id(const json& list, const std::string& id) {
  for (const auto& e : list) {
    if (e.value("Id", "") == id) return e;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("subscriptions: the wellKnown_Rx channel and its policies", "[integration][subs]") {
  SpimeServer s;
  std::string p = subs_pico(s, "P");
  json wk = subs_query(s, p, "wellKnown_Rx");
  REQUIRE(wk.is_object());
  CHECK(wk.at("tags") == json({"wellknown_rx", "tx_rx"}));
  // As the reference's (subscription_policy_test.cpp: what wrangler:subscription does there).
  CHECK(wk.at("eventPolicy") ==
        json::parse(R"({"allow":[{"domain":"wrangler","name":"subscription"},
                                 {"domain":"wrangler","name":"new_subscription_request"},
                                 {"domain":"wrangler","name":"inbound_removal"}],"deny":[]})"));
  CHECK(wk.at("queryPolicy") ==
        json::parse(R"({"allow":[{"rid":"io.picolabs.subscription","name":"wellKnown_Rx"}],
                        "deny":[]})"));
  std::string eci = wk.at("id").get<std::string>();
  // Reinstalling keeps the one channel.
  install_subs(s, p);
  CHECK(channels_tagged(s, p, "wellKnown_Rx,Tx_Rx").size() == 1);

  // Through it: its query, nothing else.
  CHECK(subs_query(s, eci, "wellKnown_Rx").at("id") == eci);
  CHECK(s.query(eci, kSubs, "established").status == 403);
  CHECK(s.query(eci, kWrangler, "channels").status == 403);
  CHECK(s.event(eci, "wrangler", "pending_subscription_approval", {{"Id", "x"}}).status == 403);
  CHECK(s.event(eci, "wrangler", "install_ruleset_request", {{"url", subs_url()}}).status == 403);
  CHECK(s.event(eci, "app", "ping").status == 403);
  // The empty lists before anything happens.
  CHECK(established(s, p) == json::array());
  CHECK(inbound(s, p) == json::array());
  CHECK(outbound(s, p) == json::array());
  CHECK(subs_query(s, p, "autoAcceptConfig") == json::object());
}

TEST_CASE("subscriptions: request, approve, events, cancel on one engine", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  std::string id = t.request({{"Rx_role", "node"},
                              {"Tx_role", "collection"},
                              {"name", "s1"},
                              {"channel_type", "sub"},
                              {"extra", "carried"}});

  // Pending on both sides, shaped as the reference's.
  json out = outbound(s, t.a);
  REQUIRE(out.size() == 1);
  CHECK(key_orders(s, t.a, "outbound")[0] == kOutboundKeys);
  CHECK(out[0].at("Rx_role") == "node");
  CHECK(out[0].at("Tx_role") == "collection");
  CHECK(out[0].at("wellKnown_Tx") == well_known(s, t.b));
  std::string a_rx = out[0].at("Rx").get<std::string>();
  json in = inbound(s, t.b);
  REQUIRE(in.size() == 1);
  CHECK(key_orders(s, t.b, "inbound")[0] == kInboundKeys);
  CHECK(in[0].at("Id") == id);
  CHECK(in[0].at("Rx_role") == "collection");
  CHECK(in[0].at("Tx_role") == "node");
  CHECK(in[0].at("Tx") == a_rx);
  std::string b_rx = in[0].at("Rx").get<std::string>();
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());

  // Each side's Rx channel: tagged [name, channel_type] (its policies:
  // subscription_policy_test.cpp).
  for (auto [pico, rx] : {std::pair{t.a, a_rx}, std::pair{t.b, b_rx}}) {
    json c = channel_by_id(s, pico, rx);
    REQUIRE(c.is_object());
    CHECK(c.at("tags") == json({"s1", "sub"}));
  }

  t.approve(id);
  json ea = established(s, t.a);
  json eb = established(s, t.b);
  REQUIRE(ea.size() == 1);
  REQUIRE(eb.size() == 1);
  CHECK(ea[0] == json({{"Rx_role", "node"},
                       {"Tx_role", "collection"},
                       {"Id", id},
                       {"Rx", a_rx},
                       {"Tx", b_rx}}));
  CHECK(key_orders(s, t.a, "established")[0] ==
        std::vector<std::string>{"Rx_role", "Tx_role", "Id", "Rx", "Tx"});
  CHECK(eb[0] == json({{"Rx_role", "collection"},
                       {"Tx_role", "node"},
                       {"Id", id},
                       {"Tx", a_rx},
                       {"Rx", b_rx}}));
  CHECK(key_orders(s, t.b, "established")[0] == kInboundKeys);
  CHECK(outbound(s, t.a) == json::array());
  CHECK(inbound(s, t.b) == json::array());
  CHECK(subs_query(s, t.a, "established", {{"key", "Tx_role"}, {"value", "collection"}}) == ea);
  CHECK(subs_query(s, t.a, "established", {{"key", "Tx_role"}, {"value", "nope"}}) ==
        json::array());
  CHECK(subs_query(s, t.b, "established", {{"key", "Id"}, {"value", id}}) == eb);

  // An app event over the subscription: wrangler:send_event_on_subs by role...
  must_event(
      s, t.a, "wrangler", "send_event_on_subs",
      {{"Tx_role", "collection"}, {"domain", "app"}, {"type", "ping"}, {"attrs", {{"n", 1}}}});
  json got = t.got(t.b);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == json({{"n", 1}, {"eci", b_rx}}));
  // ... by Id, the other way ...
  must_event(s, t.b, "wrangler", "send_event_on_subs",
             {{"subID", id}, {"domain", "app"}, {"type", "ping"}, {"attrs", {{"n", 2}}}});
  got = t.got(t.a);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == json({{"n", 2}, {"eci", a_rx}}));
  // ... and straight to the Tx channel, as a client holding it does.
  must_event(s, b_rx, "app", "ping", {{"n", 3}});
  CHECK(t.got(t.b).size() == 2);
  // No subscription with that role: nothing is sent.
  must_event(s, t.a, "wrangler", "send_event_on_subs",
             {{"Tx_role", "nope"}, {"domain", "app"}, {"type", "ping"}});
  CHECK(t.got(t.b).size() == 2);

  // A peer speaks for its own subscription only: an approval naming
  // another Id through this Rx finds nothing.
  must_event(s, b_rx, "wrangler", "pending_subscription_approval", {{"Id", id}});
  CHECK(must_query(s, b_rx, kSubs, "ping", {{"Id", id}}) ==
        json({{"Id", id}, {"established", true}}));
  CHECK(must_query(s, b_rx, "it.subs_app", "got").size() == 2);
  CHECK(established(s, t.b).size() == 1);

  // Cancelled from B: gone on both sides, both Rx channels deleted.
  must_event(s, t.b, "wrangler", "subscription_cancellation", {{"Id", id}});
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());
  CHECK(channel_by_id(s, t.a, a_rx).is_null());
  CHECK(channel_by_id(s, t.b, b_rx).is_null());
  CHECK(s.event(b_rx, "app", "ping").status == 404);

  // A second one, cancelled from A this time.
  std::string id2 = t.request({{"Rx_role", "node"}, {"Tx_role", "collection"}});
  t.approve(id2);
  REQUIRE(established(s, t.a).size() == 1);
  REQUIRE(established(s, t.b).size() == 1);
  std::string a_rx2 = established(s, t.a)[0].at("Rx").get<std::string>();
  std::string b_rx2 = established(s, t.b)[0].at("Rx").get<std::string>();
  must_event(s, t.a, "wrangler", "subscription_cancellation", {{"Id", id2}});
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());
  CHECK(channel_by_id(s, t.a, a_rx2).is_null());
  CHECK(channel_by_id(s, t.b, b_rx2).is_null());
}

TEST_CASE("subscriptions: rejection and outbound cancellation", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);

  // B rejects: gone from A's outbound and B's inbound, both channels deleted.
  std::string id = t.request({{"name", "rej"}});
  std::string a_rx = outbound(s, t.a)[0].at("Rx").get<std::string>();
  std::string b_rx = inbound(s, t.b)[0].at("Rx").get<std::string>();
  // No roles given: no role keys.
  CHECK(key_orders(s, t.a, "outbound")[0] == std::vector<std::string>{"Id", "wellKnown_Tx", "Rx"});
  must_event(s, t.b, "wrangler", "inbound_rejection", {{"Id", id}});
  CHECK(outbound(s, t.a) == json::array());
  CHECK(inbound(s, t.b) == json::array());
  CHECK(channel_by_id(s, t.a, a_rx).is_null());
  CHECK(channel_by_id(s, t.b, b_rx).is_null());

  // A withdraws: the same.
  std::string id2 = t.request({{"name", "withdrawn"}});
  a_rx = outbound(s, t.a)[0].at("Rx").get<std::string>();
  b_rx = inbound(s, t.b)[0].at("Rx").get<std::string>();
  must_event(s, t.a, "wrangler", "outbound_cancellation", {{"Id", id2}});
  CHECK(outbound(s, t.a) == json::array());
  CHECK(inbound(s, t.b) == json::array());
  CHECK(channel_by_id(s, t.a, a_rx).is_null());
  CHECK(channel_by_id(s, t.b, b_rx).is_null());
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());

  // An approval of what is gone changes nothing.
  size_t channels_a = all_channels(s, t.a).size();
  size_t channels_b = all_channels(s, t.b).size();
  must_event(s, t.b, "wrangler", "pending_subscription_approval", {{"Id", id2}});
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());
  CHECK(all_channels(s, t.a).size() == channels_a);
  CHECK(all_channels(s, t.b).size() == channels_b);
}

TEST_CASE("subscriptions: bad requests change nothing", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  size_t channels_a = all_channels(s, t.a).size();
  // No wellKnown_Tx: no channel, no entry.
  must_event(s, t.a, "wrangler", "subscription", {{"Rx_role", "node"}});
  CHECK(outbound(s, t.a) == json::array());
  CHECK(all_channels(s, t.a).size() == channels_a);
  // A wellKnown_Tx that is not an ECI: a clear error, nothing kept.
  HttpResult r = s.event(t.a, "wrangler", "subscription", {{"wellKnown_Tx", 42}});
  CHECK(r.status == 500);
  CHECK_THAT(r.text, Catch::Contains("eci was 42 instead of a string"));
  CHECK(outbound(s, t.a) == json::array());
  CHECK(all_channels(s, t.a).size() == channels_a);
  // A request without Tx on the well-known channel: refused quietly, nothing kept.
  size_t channels_b = all_channels(s, t.b).size();
  must_event(s, well_known(s, t.b), "wrangler", "new_subscription_request", {{"Id", "x"}});
  CHECK(inbound(s, t.b) == json::array());
  CHECK(all_channels(s, t.b).size() == channels_b);
  // Unknown Ids.
  for (const char* type : {"subscription_cancellation", "inbound_rejection",
                           "outbound_cancellation", "pending_subscription_approval"}) {
    must_event(s, t.a, "wrangler", type, {{"Id", "no-such-id"}});
  }
  CHECK(all_channels(s, t.a).size() == channels_a);
  // A peer speaks for its own subscription only: B cannot end A's other
  // subscription by naming its Id on this one's channel.
  std::string id1 = t.request({{"name", "one"}});
  t.approve(id1);
  std::string id2 = t.request({{"name", "two"}});
  t.approve(id2);
  json eb = established(s, t.b);
  REQUIRE(eb.size() == 2);
  std::string a_rx1 = find_id(established(s, t.a), id1).at("Rx").get<std::string>();
  must_event(s, a_rx1, "wrangler", "established_removal", {{"Id", id2}});
  json ea = established(s, t.a);
  REQUIRE(ea.size() == 1);
  CHECK(ea[0].at("Id") == id2);
}

TEST_CASE("subscriptions: auto-accept as configured", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  must_event(s, t.b, "wrangler", "autoAcceptConfigUpdate",
             {{"configName", "friends"},
              {"password", ""},
              {"regexMap", json({{"Rx_role", json::array({"^frie.*$"})}}).dump()}});
  json config = subs_query(s, t.b, "autoAcceptConfig");
  CHECK(config == json({{"friends",
                         {{"configName", "friends"},
                          {"password", ""},
                          {"entries", {{"Rx_role", json::array({"^frie.*$"})}}}}}}));

  // Matching (B's Rx_role is A's Tx_role): established at once.
  // (B's approval reaches A after A's request answered: poll A.)
  t.send_request({{"Rx_role", "x"}, {"Tx_role", "friend"}});
  auto size_is = [](size_t n) { return [n](const json& v) { return v.size() == n; }; };
  CHECK(query_until(s, t.a, kSubs, "outbound", size_is(0)) == json::array());
  CHECK(inbound(s, t.b) == json::array());
  REQUIRE(query_until(s, t.a, kSubs, "established", size_is(1)).size() == 1);
  REQUIRE(established(s, t.b).size() == 1);
  CHECK(established(s, t.b)[0].at("Id") == established(s, t.a)[0].at("Id"));

  // Not matching: stays pending.
  std::string id2 = t.request({{"Rx_role", "x"}, {"Tx_role", "stranger"}});
  CHECK(inbound(s, t.b).size() == 1);
  CHECK(inbound(s, t.b)[0].at("Id") == id2);
  CHECK(established(s, t.b).size() == 1);

  // A config given whole, matching on any attribute carried along.
  must_event(
      s, t.b, "wrangler", "autoAcceptConfigUpdate",
      {{"config", {{"configName", "by-code"}, {"entries", {{"code", json::array({"^42$"})}}}}}});
  t.send_request({{"code", "42"}});
  CHECK(established(s, t.b).size() == 2);
  CHECK(query_until(s, t.a, kSubs, "established", size_is(2)).size() == 2);

  // Deleted: no more auto-accepting.
  must_event(s, t.b, "wrangler", "autoAcceptConfigUpdate",
             {{"config", {{"configName", "friends"}}}, {"delete", true}});
  CHECK(keys_of(subs_query(s, t.b, "autoAcceptConfig")) == std::vector<std::string>{"by-code"});
  t.request({{"Rx_role", "x"}, {"Tx_role", "friend"}});
  CHECK(inbound(s, t.b).size() == 2);
  CHECK(established(s, t.b).size() == 2);
  // Without a configName: refused, nothing changes.
  must_event(s, t.b, "wrangler", "autoAcceptConfigUpdate", {{"config", {{"entries", {}}}}});
  CHECK(keys_of(subs_query(s, t.b, "autoAcceptConfig")) == std::vector<std::string>{"by-code"});
}

TEST_CASE("subscriptions: a client ruleset uses the module", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  install_ruleset(s, t.a, file_url(t.krl.write("it.subs_client.krl", kClientRuleset)),
                  "it.subs_client");
  std::string id = t.request({{"Rx_role", "node"}, {"Tx_role", "collection"}});
  t.approve(id);
  t.request({{"Rx_role", "node"}, {"Tx_role", "other"}});  // pending, not established
  json mine = must_query(s, t.a, "it.subs_client", "collections");
  CHECK(mine == established(s, t.a));
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].at("Id") == id);
  CHECK(must_query(s, t.a, "it.subs_client", "everyone").size() == 1);
  must_event(s, t.a, "app", "tell_collections", {{"n", 7}});
  json got = t.got(t.b);
  REQUIRE(got.size() == 1);
  CHECK(got[0].at("from") == "client");
  CHECK(got[0].at("n") == 7);
}

namespace {

// A parent's deletion schedule as the wrangler runs it: the child is told
// wrangler:rulesets_need_to_cleanup (ctx:eventWait), then deleted, in one
// transaction.
const char* kParentRuleset = R"krl(
ruleset it.subs_parent {
  rule delete_child {
    select when it delete_child
      eci re#^(.+)$# setting(eci)
    every {
      ctx:eventWait(eci = eci, domain = "wrangler", name = "rulesets_need_to_cleanup", attrs = {})
      ctx:delPico(eci)
    }
  }
}
)krl";

}  // namespace

TEST_CASE("subscriptions: cleanup cancels every relationship and tells the other sides",
          "[integration][subs]") {
  SpimeServer s;
  TempDir krl;
  install_ruleset(s, s.owner_eci(), file_url(krl.write("it.subs_parent.krl", kParentRuleset)),
                  "it.subs_parent");
  std::string a = subs_pico(s, "A");
  std::string b = subs_pico(s, "B");  // established with A
  std::string c = subs_pico(s, "C");  // A's request to C, pending
  std::string d = subs_pico(s, "D");  // D's request to A, pending
  must_event(s, a, "wrangler", "subscription", {{"wellKnown_Tx", well_known(s, b)}});
  std::string id_ab = inbound(s, b)[0].at("Id").get<std::string>();
  must_event(s, b, "wrangler", "pending_subscription_approval", {{"Id", id_ab}});
  must_event(s, a, "wrangler", "subscription", {{"wellKnown_Tx", well_known(s, c)}});
  must_event(s, d, "wrangler", "subscription", {{"wellKnown_Tx", well_known(s, a)}});
  REQUIRE(established(s, a).size() == 1);
  REQUIRE(outbound(s, a).size() == 1);
  REQUIRE(inbound(s, a).size() == 1);
  std::string b_rx = established(s, b)[0].at("Rx").get<std::string>();
  std::string c_rx = inbound(s, c)[0].at("Rx").get<std::string>();
  std::string d_rx = outbound(s, d)[0].at("Rx").get<std::string>();

  // The wrangler's own deletion (by name): every pico of the subtree hears
  // rulesets_need_to_cleanup first, in the deleting transaction.
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "A"}});
  for (const auto& child : must_query(s, s.owner_eci(), kWrangler, "children")) {
    CHECK(child.at("name") != "A");
  }
  CHECK(s.query(a, kSubs, "established").status == 404);
  CHECK(established(s, b) == json::array());
  CHECK(inbound(s, c) == json::array());
  CHECK(outbound(s, d) == json::array());
  CHECK(channel_by_id(s, b, b_rx).is_null());
  CHECK(channel_by_id(s, c, c_rx).is_null());
  CHECK(channel_by_id(s, d, d_rx).is_null());

  // wrangler:cancel_subscriptions alone does the same and keeps the pico.
  must_event(s, b, "wrangler", "subscription", {{"wellKnown_Tx", well_known(s, c)}});
  must_event(s, c, "wrangler", "pending_subscription_approval",
             {{"Id", inbound(s, c)[0].at("Id")}});
  REQUIRE(established(s, c).size() == 1);
  must_event(s, c, "wrangler", "cancel_subscriptions");
  CHECK(established(s, b) == json::array());
  CHECK(established(s, c) == json::array());
  CHECK(well_known(s, c) != "");
}

TEST_CASE("subscriptions: health of established subscriptions on one engine",
          "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  std::string id = t.request({{"Rx_role", "node"}, {"Tx_role", "collection"}});
  t.approve(id);
  json h = subs_query(s, t.a, "health");
  REQUIRE(h.size() == 1);
  CHECK(h[0].at("Id") == id);
  CHECK(h[0].at("status") == "valid");
  CHECK(subs_query(s, t.b, "health")[0].at("status") == "valid");
  CHECK(subs_query(s, t.a, "health", {{"key", "Tx_role"}, {"value", "nope"}}) == json::array());
}

TEST_CASE("subscriptions: across two engines (Tx_host)", "[integration][subs]") {
  SpimeServer ea, eb;
  TempDir krl;
  std::string host_a = ea.url();
  std::string host_b = eb.url();
  std::string a = subs_pico(ea, "A");
  std::string b = subs_pico(eb, "B");
  std::string app = file_url(krl.write("it.subs_app.krl", kAppRuleset));
  install_ruleset(ea, a, app, "it.subs_app");
  install_ruleset(eb, b, app, "it.subs_app");
  auto size_is = [](size_t n) { return [n](const json& v) { return v.size() == n; }; };

  // The request: A names B's engine (Tx_host) and how B reaches A back (Rx_host).
  must_event(ea, a, "wrangler", "subscription",
             {{"wellKnown_Tx", well_known(eb, b)},
              {"Tx_host", host_b},
              {"Rx_host", host_a},
              {"Rx_role", "node"},
              {"Tx_role", "collection"},
              {"name", "far"}});
  json out = outbound(ea, a);
  REQUIRE(out.size() == 1);
  CHECK(key_orders(ea, a, "outbound")[0] ==
        std::vector<std::string>{"Rx_role", "Tx_role", "Tx_host", "Id", "wellKnown_Tx", "Rx"});
  CHECK(out[0].at("Tx_host") == host_b);
  json in = query_until(eb, b, kSubs, "inbound", size_is(1));
  REQUIRE(in.size() == 1);
  CHECK(key_orders(eb, b, "inbound")[0] ==
        std::vector<std::string>{"Rx_role", "Tx_role", "Tx_host", "Id", "Tx", "Rx"});
  CHECK(in[0].at("Tx_host") == host_a);
  CHECK(in[0].at("Tx") == out[0].at("Rx"));
  std::string id = in[0].at("Id").get<std::string>();
  CHECK(id == out[0].at("Id"));

  // Approval crosses back.
  must_event(eb, b, "wrangler", "pending_subscription_approval", {{"Id", id}});
  json est_a = query_until(ea, a, kSubs, "established", size_is(1));
  REQUIRE(est_a.size() == 1);
  json est_b = established(eb, b);
  REQUIRE(est_b.size() == 1);
  CHECK(est_a[0].at("Tx") == est_b[0].at("Rx"));
  CHECK(est_a[0].at("Rx") == est_b[0].at("Tx"));
  CHECK(est_a[0].at("Tx_host") == host_b);
  CHECK(est_b[0].at("Tx_host") == host_a);
  CHECK(outbound(ea, a) == json::array());
  CHECK(inbound(eb, b) == json::array());

  // Events over it, both ways.
  must_event(
      ea, a, "wrangler", "send_event_on_subs",
      {{"Tx_role", "collection"}, {"domain", "app"}, {"type", "ping"}, {"attrs", {{"n", 1}}}});
  json got_b = query_until(eb, b, "it.subs_app", "got", size_is(1));
  REQUIRE(got_b.size() == 1);
  CHECK(got_b[0].at("n") == 1);
  must_event(eb, b, "wrangler", "send_event_on_subs",
             {{"subID", id}, {"domain", "app"}, {"type", "ping"}, {"attrs", {{"n", 2}}}});
  json got_a = query_until(ea, a, "it.subs_app", "got", size_is(1));
  REQUIRE(got_a.size() == 1);
  CHECK(got_a[0].at("n") == 2);

  // Cancelled on A: gone on B too, both channels deleted.
  std::string a_rx = est_a[0].at("Rx").get<std::string>();
  std::string b_rx = est_b[0].at("Rx").get<std::string>();
  must_event(ea, a, "wrangler", "subscription_cancellation", {{"Id", id}});
  CHECK(established(ea, a) == json::array());
  CHECK(query_until(eb, b, kSubs, "established", size_is(0)) == json::array());
  CHECK(channel_by_id(ea, a, a_rx).is_null());
  CHECK(channel_by_id(eb, b, b_rx).is_null());

  // A rejection across engines.
  must_event(ea, a, "wrangler", "subscription",
             {{"wellKnown_Tx", well_known(eb, b)}, {"Tx_host", host_b}, {"Rx_host", host_a}});
  in = query_until(eb, b, kSubs, "inbound", size_is(1));
  REQUIRE(in.size() == 1);
  must_event(eb, b, "wrangler", "inbound_rejection", {{"Id", in[0].at("Id")}});
  CHECK(query_until(ea, a, kSubs, "outbound", size_is(0)) == json::array());
}

// A channel gone behind the protocol's back: ctx:tryQuery answers the refusal.
TEST_CASE("subscriptions: health says refused when the other side's channel is gone",
          "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  std::string id = t.request({{"name", "kept"}});
  t.approve(id);
  std::string id2 = t.request({{"name", "broken"}});
  t.approve(id2);
  std::string b_rx2 = find_id(established(s, t.b), id2).at("Rx").get<std::string>();
  // B's channel goes without telling A (not through the protocol).
  must_event(s, t.b, "wrangler", "channel_deletion_request", {{"eci", b_rx2}});
  json h = subs_query(s, t.a, "health");
  REQUIRE(h.size() == 2);
  CHECK(find_id(h, id).at("status") == "valid");
  CHECK(find_id(h, id2).at("status") == "refused");
}

// The remote branch of the health query is http:get (errorResponse: a
// stopped engine is "unreachable", not a failed query).
TEST_CASE("subscriptions: health across two engines: valid, refused, unreachable",
          "[integration][subs]") {
  SpimeServer ea, eb;
  std::string host_a = ea.url();
  std::string host_b = eb.url();
  std::string a = subs_pico(ea, "A");
  std::string b = subs_pico(eb, "B");
  auto size_is = [](size_t n) { return [n](const json& v) { return v.size() == n; }; };
  std::vector<std::string> ids;
  for (const char* name : {"one", "two"}) {
    must_event(ea, a, "wrangler", "subscription",
               {{"wellKnown_Tx", well_known(eb, b)},
                {"Tx_host", host_b},
                {"Rx_host", host_a},
                {"name", name}});
    json in = query_until(eb, b, kSubs, "inbound", size_is(1));
    REQUIRE(in.size() == 1);
    ids.push_back(in[0].at("Id").get<std::string>());
    must_event(eb, b, "wrangler", "pending_subscription_approval", {{"Id", ids.back()}});
    REQUIRE(query_until(ea, a, kSubs, "established", size_is(ids.size())).size() == ids.size());
  }
  json h = subs_query(ea, a, "health");
  REQUIRE(h.size() == 2);
  CHECK(h[0].at("status") == "valid");
  CHECK(h[1].at("status") == "valid");
  CHECK(subs_query(eb, b, "health")[0].at("status") == "valid");

  std::string b_rx2 = find_id(established(eb, b), ids[1]).at("Rx").get<std::string>();
  must_event(eb, b, "wrangler", "channel_deletion_request", {{"eci", b_rx2}});
  h = subs_query(ea, a, "health");
  CHECK(find_id(h, ids[0]).at("status") == "valid");
  CHECK(find_id(h, ids[1]).at("status") == "refused");

  eb.stop();
  h = subs_query(ea, a, "health");
  CHECK(find_id(h, ids[0]).at("status") == "unreachable");
  CHECK(find_id(h, ids[1]).at("status") == "unreachable");
}

TEST_CASE("subscriptions: subscriptionsPage pages each list in order", "[integration][subs]") {
  SpimeServer s;
  Pair t(s);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(t.request({{"name", "p" + std::to_string(i)}}));
  t.approve(ids[1]);
  t.approve(ids[3]);
  auto size_is = [](size_t n) { return [n](const json& v) { return v.size() == n; }; };
  REQUIRE(query_until(s, t.a, kSubs, "established", size_is(2)).size() == 2);

  // Every page of `list` on `eci`, 2 at a time (bounded: at most 10 pages).
  auto paged = [&](const std::string& eci, const char* list, std::vector<json>* nexts) {
    json got = json::array();
    json cursor;
    for (int page = 0; page < 10; ++page) {
      json args = {{"list", list}, {"limit", "2"}};
      if (!cursor.is_null()) args["cursor"] = cursor;
      json answer = subs_query(s, eci, "subscriptionsPage", args);
      for (const auto& e : answer.at("subscriptions")) got.push_back(e);
      cursor = answer.at("next");
      nexts->push_back(cursor);
      if (cursor.is_null()) break;
    }
    return got;
  };
  std::vector<json> nexts;
  CHECK(paged(t.b, "inbound", &nexts) == inbound(s, t.b));
  CHECK(nexts == std::vector<json>{"2", nullptr});
  nexts.clear();
  CHECK(paged(t.a, "outbound", &nexts) == outbound(s, t.a));
  CHECK(nexts == std::vector<json>{"2", nullptr});
  nexts.clear();
  json both = paged(t.a, "established", &nexts);
  CHECK(both == established(s, t.a));
  REQUIRE(both.size() == 2);
  CHECK(both[0].at("Id") == ids[1]);
  CHECK(both[1].at("Id") == ids[3]);
  CHECK(nexts == std::vector<json>{nullptr});
  // The default list is the established one; a cursor past the end is an empty page.
  CHECK(subs_query(s, t.b, "subscriptionsPage").at("subscriptions") == established(s, t.b));
  json past = subs_query(s, t.b, "subscriptionsPage", {{"list", "inbound"}, {"cursor", "7"}});
  CHECK(past.at("subscriptions").empty());
  CHECK(past.at("next").is_null());
}
