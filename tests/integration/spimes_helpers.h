// What the spimes integration tests share: an owner pico with the spimes
// ruleset, collection children (spimes_collection) and device children
// (esproto_router + esproto_device), all made over HTTP as a client would.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/esproto_helpers.h"

namespace spime::integration {

constexpr const char* kSpimes = "spimes";
constexpr const char* kCollection = "spimes_collection";
constexpr const char* kDevice = "esproto_device";

inline std::string esproto_payload(const std::string& name) {
  return std::string(SPIME_SHARED_DIR) + "/esproto/" + name;
}

// POSTs a heartbeat file's bytes to the device as a sensor does.
inline HttpResult post_heartbeat(const SpimeServer& s, const std::string& eci,
                                 const std::string& file) {
  return s.post("/sky/event/" + eci + "/none/wovyn/heartbeat", read_file(esproto_payload(file)));
}

// As post_heartbeat, requiring a 200; answers the body.
inline json must_heartbeat(const SpimeServer& s, const std::string& eci, const std::string& file) {
  HttpResult r = post_heartbeat(s, eci, file);
  INFO("heartbeat " << file << " -> " << describe(r));
  REQUIRE(r.status == 200);
  return r.body;
}

// Installs spimes on the owner's pico.
inline void install_spimes(const SpimeServer& s) {
  install_ruleset(s, s.owner_eci(), shipped_ruleset_url("spimes"), kSpimes);
}

// A child of the owner with spimes_collection (configured with `config`);
// answers its allow-all channel.
inline std::string make_collection(const SpimeServer& s, const std::string& name,
                                   const json& config = json::object()) {
  std::string eci = new_child(s, s.owner_eci(), name);
  install_ruleset(s, eci, shipped_ruleset_url("spimes_collection"), kCollection, config);
  return eci;
}

// A child of the owner with the ESProto router and device rulesets and a
// temperature threshold of 50..80; answers its allow-all channel.
inline std::string make_device(const SpimeServer& s, const std::string& name,
                               const json& config = json::object()) {
  std::string eci = new_child(s, s.owner_eci(), name);
  install_ruleset(s, eci, shipped_ruleset_url("esproto_router"), "esproto_router");
  install_ruleset(s, eci, shipped_ruleset_url("esproto_device"), kDevice, config);
  must_event(s, eci, "esproto", "new_threshold",
             {{"threshold_type", "temperature"}, {"upper_limit", 80}, {"lower_limit", 50}});
  return eci;
}

// spimes:add_to_collection on the owner's pico; answers the raw result.
inline HttpResult add_to_collection(const SpimeServer& s, const std::string& collection,
                                    const std::string& member, json extra = json::object()) {
  extra["collection"] = collection;
  if (!member.empty()) extra["member"] = member;
  return s.event(s.owner_eci(), "spimes", "add_to_collection", extra);
}

// As add_to_collection, requiring a 200; answers the directive names.
inline std::vector<std::string> must_add(const SpimeServer& s, const std::string& collection,
                                         const std::string& member, json extra = json::object()) {
  HttpResult r = add_to_collection(s, collection, member, std::move(extra));
  INFO("add " << member << " to " << collection << " -> " << describe(r));
  REQUIRE(r.status == 200);
  return directive_names(r.body);
}

// Waits (at most 10 s) until the pico behind `eci` has no subscription
// request pending: after spimes:add_to_collection, the collection's approval
// has come back and the member's side is established.
inline void wait_settled(const SpimeServer& s, const std::string& eci) {
  INFO("waiting for the subscriptions of " << eci);
  REQUIRE(eventually([&] { return must_query(s, eci, kSubscriptionRid, "outbound").empty(); },
                     std::chrono::seconds(10)));
}

// must_add, then wait_settled on the member (`member_eci`).
inline void join(const SpimeServer& s, const std::string& collection, const std::string& member,
                 const std::string& member_eci, json extra = json::object()) {
  CHECK(must_add(s, collection, member, std::move(extra)) ==
        std::vector<std::string>{"member_added"});
  wait_settled(s, member_eci);
}

inline std::vector<std::string> must_remove(const SpimeServer& s, const std::string& collection,
                                            const std::string& member) {
  HttpResult r = s.event(s.owner_eci(), "spimes", "remove_from_collection",
                         {{"collection", collection}, {"member", member}});
  INFO("remove " << member << " from " << collection << " -> " << describe(r));
  REQUIRE(r.status == 200);
  return directive_names(r.body);
}

// A page of one of a collection's logs ("violations", "battery_alerts", "presence").
inline json log_page(const SpimeServer& s, const std::string& eci, const std::string& log,
                     const json& args = json::object()) {
  return must_query(s, eci, kCollection, log, args);
}

// The entries of the newest page (up to 1000) of a collection's log.
inline json log_entries(const SpimeServer& s, const std::string& eci, const std::string& log) {
  json page = log_page(s, eci, log, {{"limit", 1000}});
  json out = json::array();
  for (const auto& e : page.at("entries")) out.push_back(e.at("entry"));
  return out;
}

inline std::vector<std::string> member_names(const SpimeServer& s, const std::string& eci) {
  json members = must_query(s, eci, kCollection, "members");
  std::vector<std::string> names;
  for (const auto& m : members) names.push_back(m.at("name").get<std::string>());
  return names;
}

}  // namespace spime::integration
