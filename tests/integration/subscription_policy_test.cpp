// The policies of a subscription's channels on a real `spime serve`: the
// reference's by default (a subscription's Rx admits every event and query,
// so a peer can query io.picolabs.wrangler/myself and raise
// wrangler:install_ruleset_request through its Tx, as Manifold's rulesets
// do; the well-known channel admits wrangler:subscription), and least
// privilege when chosen: by the request's attributes (Rx_eventPolicy,
// Rx_queryPolicy for the requester's Rx; Tx_eventPolicy, Tx_queryPolicy asked
// for the acceptor's), by the acceptor's approval, or by the engine
// (spime serve --strict-subscription-policies).
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/subscription_helpers.h"

using namespace spime::integration;
using namespace spime::integration::subs;

namespace {

// A ruleset neither pico has: installing it through a Tx is the probe.
const char* kProbeRuleset = R"krl(
ruleset it.policy_probe {
  meta { shares hello }
  global { hello = function() { "hello" } }
}
)krl";

// Tight policies a collection-like ruleset would choose: the application's
// events and queries, and the protocol's replies a peer sends to an Rx.
json tight_events() {
  return {{"allow",
           {{{"domain", "app"}, {"name", "*"}},
            {{"domain", "wrangler"}, {"name", "outbound_pending_subscription_approved"}},
            {{"domain", "wrangler"}, {"name", "established_removal"}},
            {{"domain", "wrangler"}, {"name", "outbound_removal"}}}},
          {"deny", json::array()}};
}
json tight_queries() {
  return {{"allow",
           {{{"rid", "it.subs_app"}, {"name", "*"}},
            {{"rid", "io.picolabs.subscription"}, {"name", "ping"}}}},
          {"deny", json::array()}};
}

// Two picos A and B with subscriptions and the recording app; A asks B.
struct Pair {
  const SpimeServer& s;
  TempDir krl;
  std::string a, b, app_url, probe_url;
  explicit Pair(const SpimeServer& server) : s(server) {
    a = subs_pico(s, "A");
    b = subs_pico(s, "B");
    app_url = file_url(krl.write("it.subs_app.krl", kAppRuleset));
    probe_url = file_url(krl.write("it.policy_probe.krl", kProbeRuleset));
    install_ruleset(s, a, app_url, "it.subs_app");
    install_ruleset(s, b, app_url, "it.subs_app");
  }
  // A asks B (attrs added to the request), B approves; answers {A's Rx, B's Rx}.
  std::pair<std::string, std::string> subscribe(json attrs = json::object(),
                                                json approval = json::object()) {
    attrs["wellKnown_Tx"] = well_known(s, b);
    attrs["Rx_role"] = "node";
    attrs["Tx_role"] = "collection";
    must_event(s, a, "wrangler", "subscription", attrs);
    json in = inbound(s, b);
    REQUIRE(in.size() == 1);
    approval["Id"] = in[0].at("Id");
    must_event(s, b, "wrangler", "pending_subscription_approval", approval);
    json ea = established(s, a);
    json eb = established(s, b);
    REQUIRE(ea.size() == 1);
    REQUIRE(eb.size() == 1);
    CHECK(ea[0].at("Tx") == eb[0].at("Rx"));
    return {ea[0].at("Rx").get<std::string>(), eb[0].at("Rx").get<std::string>()};
  }
};

// What a peer does through `tx` (the other pico's Rx), whose pico is behind
// `owner`: query the wrangler's myself, install a ruleset, send an app event.
struct Reach {
  int myself = 0, install = 0, app = 0;
  bool installed = false;
};
Reach reach(const Pair& t, const std::string& owner, const std::string& tx) {
  Reach r;
  HttpResult q = t.s.query(tx, kWrangler, "myself");
  INFO("myself through " << tx << ": " << describe(q));
  r.myself = q.status;
  if (q.status == 200) CHECK(q.body.at("eci").is_string());
  r.install = t.s.event(tx, "wrangler", "install_ruleset_request", {{"url", t.probe_url}}).status;
  r.installed = contains(installed_rids(t.s, owner), "it.policy_probe");
  r.app = t.s.event(tx, "app", "ping", {{"n", 1}}).status;
  return r;
}

// Both Rx channels of the subscription (A's a_rx, B's b_rx) have these policies.
void check_rx_policies(const Pair& t, const std::string& a_rx, const std::string& b_rx,
                       const json& events, const json& queries) {
  for (auto [pico, rx] : {std::pair{t.a, a_rx}, std::pair{t.b, b_rx}}) {
    json c = channel_by_id(t.s, pico, rx);
    REQUIRE(c.is_object());
    CHECK(c.at("eventPolicy") == events);
    CHECK(c.at("queryPolicy") == queries);
  }
}

}  // namespace

TEST_CASE("subscription policies: by default the reference's, allow-all",
          "[integration][subs][policy]") {
  SpimeServer s;
  Pair t(s);
  auto [a_rx, b_rx] = t.subscribe();
  check_rx_policies(t, a_rx, b_rx, allow_all_events(), allow_all_queries());

  // Through B's Rx (A's Tx) and through A's Rx (B's Tx): the wrangler's
  // queries and events, as Manifold's thing and community rulesets use them.
  for (auto [owner, tx] : {std::pair{t.b, b_rx}, std::pair{t.a, a_rx}}) {
    Reach r = reach(t, owner, tx);
    CHECK(r.myself == 200);
    CHECK(r.install == 200);
    CHECK(r.installed);
    CHECK(r.app == 200);
  }
  CHECK(must_query(s, b_rx, kWrangler, "myself").at("name") == "B");

  // A ruleset's way: wrangler:send_event_on_subs from A installs on B.
  must_event(s, t.b, "wrangler", "uninstall_ruleset_request", {{"rid", "it.policy_probe"}});
  REQUIRE(!contains(installed_rids(s, t.b), "it.policy_probe"));
  must_event(s, t.a, "wrangler", "send_event_on_subs",
             {{"Tx_role", "collection"},
              {"domain", "wrangler"},
              {"type", "install_ruleset_request"},
              {"attrs", {{"url", t.probe_url}}}});
  CHECK(eventually([&] { return contains(installed_rids(s, t.b), "it.policy_probe"); }));
}

TEST_CASE("subscription policies: the well-known channel admits wrangler:subscription",
          "[integration][subs][policy]") {
  SpimeServer s;
  Pair t(s);
  std::string b_well_known = well_known(s, t.b);
  json wk = subs_query(s, t.b, "wellKnown_Rx");
  CHECK(wk.at("eventPolicy") ==
        json::parse(R"({"allow":[{"domain":"wrangler","name":"subscription"},
                                 {"domain":"wrangler","name":"new_subscription_request"},
                                 {"domain":"wrangler","name":"inbound_removal"}],"deny":[]})"));
  // Whoever holds B's well-known ECI makes B ask A, as with the reference.
  must_event(s, b_well_known, "wrangler", "subscription",
             {{"wellKnown_Tx", well_known(s, t.a)}, {"name", "asked"}});
  CHECK(outbound(s, t.b).size() == 1);
  CHECK(inbound(s, t.a).size() == 1);
  // Still nothing else.
  CHECK(
      s.event(b_well_known, "wrangler", "install_ruleset_request", {{"url", t.probe_url}}).status ==
      403);
  CHECK(s.query(b_well_known, kWrangler, "myself").status == 403);
}

TEST_CASE("subscription policies: the request chooses tight policies for both sides",
          "[integration][subs][policy]") {
  SpimeServer s;
  Pair t(s);
  auto [a_rx, b_rx] = t.subscribe({{"Rx_eventPolicy", tight_events()},
                                   {"Rx_queryPolicy", tight_queries()},
                                   {"Tx_eventPolicy", tight_events()},
                                   {"Tx_queryPolicy", tight_queries()}});
  check_rx_policies(t, a_rx, b_rx, tight_events(), tight_queries());
  // The policy attributes stay on their side: B's inbound request did not
  // keep A's own Rx policies.
  for (auto [owner, tx] : {std::pair{t.b, b_rx}, std::pair{t.a, a_rx}}) {
    Reach r = reach(t, owner, tx);
    CHECK(r.myself == 403);
    CHECK(r.install == 403);
    CHECK(!r.installed);
    CHECK(r.app == 200);
  }
  CHECK(t.s.event(b_rx, "app", "ping").status == 200);
  CHECK(must_query(s, b_rx, "it.subs_app", "got").size() == 2);

  // The protocol still works through them: cancelled from A, gone on both sides.
  must_event(s, t.a, "wrangler", "subscription_cancellation",
             {{"Id", established(s, t.a)[0].at("Id")}});
  CHECK(established(s, t.a) == json::array());
  CHECK(established(s, t.b) == json::array());
}

TEST_CASE("subscription policies: the acceptor sets its own Rx's with its approval",
          "[integration][subs][policy]") {
  SpimeServer s;
  Pair t(s);
  auto [a_rx, b_rx] =
      t.subscribe({}, {{"Rx_eventPolicy", tight_events()}, {"Rx_queryPolicy", tight_queries()}});
  json c = channel_by_id(s, t.b, b_rx);
  CHECK(c.at("eventPolicy") == tight_events());
  CHECK(c.at("queryPolicy") == tight_queries());
  Reach to_b = reach(t, t.b, b_rx);
  CHECK(to_b.myself == 403);
  CHECK(to_b.install == 403);
  CHECK(to_b.app == 200);
  // A kept the default.
  Reach to_a = reach(t, t.a, a_rx);
  CHECK(to_a.myself == 200);
  CHECK(to_a.install == 200);
}

TEST_CASE("subscription policies: spime serve --strict-subscription-policies",
          "[integration][subs][policy]") {
  SpimeServer s(ServerOptions{"", {"--strict-subscription-policies"}});
  Pair t(s);
  // The well-known channel made now admits the protocol's requests only.
  std::string b_well_known = well_known(s, t.b);
  CHECK(s.event(b_well_known, "wrangler", "subscription", {{"wellKnown_Tx", well_known(s, t.a)}})
            .status == 403);

  // Asking for allow-all on the acceptor's side does not widen its channel.
  auto [a_rx, b_rx] = t.subscribe(
      {{"Tx_eventPolicy", allow_all_events()}, {"Tx_queryPolicy", allow_all_queries()}});
  for (auto [owner, tx] : {std::pair{t.b, b_rx}, std::pair{t.a, a_rx}}) {
    Reach r = reach(t, owner, tx);
    CHECK(r.myself == 403);
    CHECK(r.install == 403);
    CHECK(!r.installed);
    CHECK(r.app == 200);
  }
  CHECK(must_query(s, b_rx, kSubs, "ping", {{"Id", established(s, t.b)[0].at("Id")}})
            .at("established") == true);
  // What lists the pico's relations, paged or not, stays out of reach.
  for (auto [rid, name] :
       {std::pair{"io.picolabs.wrangler", "children"},
        std::pair{"io.picolabs.wrangler", "childrenPage"},
        std::pair{"io.picolabs.wrangler", "channels"},
        std::pair{"io.picolabs.wrangler", "channelsPage"}, std::pair{kSubs, "established"},
        std::pair{kSubs, "subscriptionsPage"}}) {
    INFO(rid << "/" << name);
    CHECK(s.query(b_rx, rid, name).status == 403);
  }

  // A pico may still choose allow-all for its own Rx.
  must_event(s, t.a, "wrangler", "subscription_cancellation",
             {{"Id", established(s, t.a)[0].at("Id")}});
  auto [a_rx2, b_rx2] = t.subscribe(
      {{"Rx_eventPolicy", allow_all_events()}, {"Rx_queryPolicy", allow_all_queries()}});
  CHECK(reach(t, t.a, a_rx2).myself == 200);
  CHECK(reach(t, t.b, b_rx2).myself == 403);
}
