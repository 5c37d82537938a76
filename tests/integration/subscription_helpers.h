// Helpers for the io.picolabs.subscription tests, on top of sky.h: install
// the shipped ruleset, read its lists, find channels, and a small application
// ruleset that records the events a subscription carries.
//
// Each helper REQUIREs what it needs, so a failing step stops the test case
// with the server's answer in the message.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration::subs {

inline const char* kSubs = "io.picolabs.subscription";

// Records every app:ping it gets: its attributes (without what HTTP adds)
// and the channel it came on.
inline const char* kAppRuleset = R"krl(
ruleset it.subs_app {
  meta { shares got }
  global { got = function() { ent:got.defaultsTo([]) } }
  rule record {
    select when app ping
    always {
      ent:got := got().append(event:attrs.delete("_headers").delete("__eid")
                                         .put("eci", meta:eci))
    }
  }
}
)krl";

// A client that uses the subscription ruleset as a module, as the
// reference's documentation shows.
inline const char* kClientRuleset = R"krl(
ruleset it.subs_client {
  meta {
    use module io.picolabs.subscription alias subs
    shares collections, everyone
  }
  global {
    collections = function() { subs:established("Tx_role", "collection") }
    everyone = function() { subs:established() }
  }
  rule tell_collections {
    select when app tell_collections
    foreach subs:established("Tx_role", "collection") setting(sub)
    event:send({ "eci": sub{"Tx"}, "domain": "app", "type": "ping",
                 "attrs": { "from": "client", "n": event:attr("n") } })
  }
}
)krl";

inline std::string subs_url() {
  return shipped_ruleset_url("io.picolabs.subscription");
}

inline void install_subs(const SpimeServer& s, const std::string& eci) {
  install_ruleset(s, eci, subs_url(), kSubs);
}

// A child of the owner's pico with the subscription ruleset installed.
inline std::string subs_pico(const SpimeServer& s, const std::string& name) {
  std::string eci = new_child(s, s.owner_eci(), name);
  install_subs(s, eci);
  return eci;
}

inline json subs_query(const SpimeServer& s, const std::string& eci, const std::string& name,
                       const json& args = json::object()) {
  return must_query(s, eci, kSubs, name, args);
}

inline json established(const SpimeServer& s, const std::string& eci) {
  return subs_query(s, eci, "established");
}
inline json inbound(const SpimeServer& s, const std::string& eci) {
  return subs_query(s, eci, "inbound");
}
inline json outbound(const SpimeServer& s, const std::string& eci) {
  return subs_query(s, eci, "outbound");
}

// The ECI of the pico's wellKnown_Rx channel.
inline std::string well_known(const SpimeServer& s, const std::string& eci) {
  json c = subs_query(s, eci, "wellKnown_Rx");
  INFO("wellKnown_Rx: " << c.dump());
  REQUIRE(c.is_object());
  return c.at("id").get<std::string>();
}

// Every channel of the pico (wrangler:channels).
inline json all_channels(const SpimeServer& s, const std::string& eci) {
  return must_query(s, eci, kWrangler, "channels");
}

// The channel with ECI `id` among the pico's channels, or null.
inline json channel_by_id(const SpimeServer& s, const std::string& eci, const std::string& id) {
  for (const auto& c : all_channels(s, eci)) {
    if (c.at("id") == id) return c;
  }
  return nullptr;
}

// For each entry of a subscription list query, its keys in the order the
// engine wrote them (json sorts keys; ordered_json keeps the answer's order).
inline std::vector<std::vector<std::string>> key_orders(const SpimeServer& s,
                                                        const std::string& eci,
                                                        const std::string& name) {
  HttpResult r = s.query(eci, kSubs, name);
  INFO(name << " -> " << describe(r));
  REQUIRE(r.status == 200);
  std::vector<std::vector<std::string>> out;
  for (const auto& entry : nlohmann::ordered_json::parse(r.text)) {
    std::vector<std::string> keys;
    for (auto it = entry.begin(); it != entry.end(); ++it) keys.push_back(it.key());
    out.push_back(std::move(keys));
  }
  return out;
}

// The keys of a map (sorted, as json keeps them).
inline std::vector<std::string> keys_of(const json& m) {
  std::vector<std::string> out;
  for (auto it = m.begin(); it != m.end(); ++it) out.push_back(it.key());
  return out;
}

// Polls a query until `pred` holds of its value (for what crosses engines,
// which is asynchronous); returns the last value.
template <class Pred>
json query_until(const SpimeServer& s, const std::string& eci, const std::string& rid,
                 const std::string& name, Pred pred,
                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  json v;
  eventually(
      [&] {
        v = must_query(s, eci, rid, name);
        return pred(v);
      },
      limit);
  return v;
}

}  // namespace spime::integration::subs
