// Helpers for driving picos through the wrangler over the sky API, on top of
// SpimeServer. Each REQUIREs what it needs (status 200, expected shapes), so a
// failing step stops the test case with the server's answer in the message.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"

namespace spime::integration {

inline const char* kWrangler = "io.picolabs.wrangler";

// "file://" + an absolute path.
inline std::string file_url(const std::string& path) {
  return "file://" + path;
}

// A shipped ruleset of the source tree (rulesets/<name>.krl) as a file:// url.
inline std::string shipped_ruleset_url(const std::string& name) {
  return file_url(std::string(SPIME_SOURCE_DIR) + "/rulesets/" + name + ".krl");
}

// Describes an answer for failure messages.
inline std::string describe(const HttpResult& r) {
  return "status " + std::to_string(r.status) + ": " + (r.status ? r.text : r.error);
}

// Sends an event and requires a 200; returns the parsed body.
inline json must_event(const SpimeServer& s, const std::string& eci, const std::string& domain,
                       const std::string& type, const json& attrs = json::object()) {
  HttpResult r = s.event(eci, domain, type, attrs);
  INFO(domain << ":" << type << " -> " << describe(r));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.is_object());
  return r.body;
}

// Runs a query and requires a 200; returns the parsed value.
inline json must_query(const SpimeServer& s, const std::string& eci, const std::string& rid,
                       const std::string& name, const json& args = json::object()) {
  HttpResult r = s.query(eci, rid, name, args);
  INFO(rid << "/" << name << " -> " << describe(r));
  REQUIRE(r.status == 200);
  REQUIRE(!r.body.is_discarded());
  return r.body;
}

// The names of the directives of an event answer, in order.
inline std::vector<std::string> directive_names(const json& answer) {
  std::vector<std::string> names;
  for (const auto& d : answer.at("directives")) names.push_back(d.at("name").get<std::string>());
  return names;
}

inline std::vector<std::string> installed_rids(const SpimeServer& s, const std::string& eci) {
  return must_query(s, eci, kWrangler, "installedRIDs").get<std::vector<std::string>>();
}

inline bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Installs the ruleset at `url` on the pico behind `eci` through
// wrangler:install_ruleset_request and checks that `rid` is then installed.
inline void install_ruleset(const SpimeServer& s, const std::string& eci, const std::string& url,
                            const std::string& rid, const json& config = json::object()) {
  must_event(s, eci, "wrangler", "install_ruleset_request", {{"url", url}, {"config", config}});
  INFO("installing " << url);
  REQUIRE(contains(installed_rids(s, eci), rid));
}

// The ECIs of the children of the pico behind `eci` (wrangler:children).
inline std::vector<std::string> child_ecis(const SpimeServer& s, const std::string& eci) {
  std::vector<std::string> out;
  for (const auto& c : must_query(s, eci, kWrangler, "children")) {
    out.push_back(c.at("eci").get<std::string>());
  }
  return out;
}

inline const char* kEngineUi = "io.picolabs.pico-engine-ui";

inline json allow_all_events() {
  return {{"allow", {{{"domain", "*"}, {"name", "*"}}}}, {"deny", json::array()}};
}
inline json allow_all_queries() {
  return {{"allow", {{{"rid", "*"}, {"name", "*"}}}}, {"deny", json::array()}};
}

// The UI ECIs of the children of the pico behind `eci` (its engine UI `pico`).
inline std::vector<std::string> child_ui_ecis(const SpimeServer& s, const std::string& eci) {
  return must_query(s, eci, kEngineUi, "pico").at("children").get<std::vector<std::string>>();
}

// A child pico as a client reaches it: its family ECI (what `children`
// lists and child_deletion_request takes; usable by its parent pico only),
// its engine UI channel, and `eci`, a channel allowing every event and
// query made through that UI channel (engine_ui:new_channel), as a client of
// the reference does.
struct ChildPico {
  std::string family_eci, ui_eci, eci;
};

// Through the UI channel `ui_eci`: a new channel tagged `tag` (unique on
// the pico) with the given policies; returns its ECI.
inline std::string new_channel_via_ui(const SpimeServer& s, const std::string& ui_eci,
                                      const std::string& tag, const json& event_policy,
                                      const json& query_policy) {
  must_event(
      s, ui_eci, "engine_ui", "new_channel",
      {{"tags", json::array({tag})}, {"eventPolicy", event_policy}, {"queryPolicy", query_policy}});
  json pico = must_query(s, ui_eci, kEngineUi, "pico");
  for (const auto& c : pico.at("channels")) {
    const json& tags = c.at("tags");
    if (tags.size() == 1 && tags[0] == tag) return c.at("id").get<std::string>();
  }
  FAIL("no channel tagged " << tag << " after engine_ui:new_channel");
  return "";
}

// Creates a child pico through wrangler:new_child_request on the pico behind
// `parent_eci` (a channel allowing wrangler events and every query).
inline ChildPico new_child_pico(const SpimeServer& s, const std::string& parent_eci,
                                const std::string& name) {
  std::vector<std::string> before = child_ecis(s, parent_eci);
  std::vector<std::string> ui_before = child_ui_ecis(s, parent_eci);
  must_event(s, parent_eci, "wrangler", "new_child_request", {{"name", name}});
  std::vector<std::string> after = child_ecis(s, parent_eci);
  std::vector<std::string> ui_after = child_ui_ecis(s, parent_eci);
  REQUIRE(after.size() == before.size() + 1);
  REQUIRE(ui_after.size() == ui_before.size() + 1);
  ChildPico child;
  for (const auto& e : after) {
    if (!contains(before, e)) child.family_eci = e;
  }
  for (const auto& e : ui_after) {
    if (!contains(ui_before, e)) child.ui_eci = e;
  }
  REQUIRE(!child.family_eci.empty());
  REQUIRE(!child.ui_eci.empty());
  child.eci =
      new_channel_via_ui(s, child.ui_eci, "client", allow_all_events(), allow_all_queries());
  return child;
}

// As new_child_pico; returns the child's allow-all channel.
inline std::string new_child(const SpimeServer& s, const std::string& parent_eci,
                             const std::string& name) {
  return new_child_pico(s, parent_eci, name).eci;
}

// The channels of the pico behind `eci` whose tags are exactly `tags`.
inline json channels_tagged(const SpimeServer& s, const std::string& eci, const std::string& tags) {
  return must_query(s, eci, kWrangler, "channels", {{"tags", tags}});
}

// Creates a channel through wrangler:new_channel_request; returns its ECI.
// `tag` must be unique on the pico.
inline std::string new_channel(const SpimeServer& s, const std::string& eci, const std::string& tag,
                               const json& event_policy, const json& query_policy) {
  must_event(
      s, eci, "wrangler", "new_channel_request",
      {{"tags", json::array({tag})}, {"eventPolicy", event_policy}, {"queryPolicy", query_policy}});
  json found = channels_tagged(s, eci, tag);
  REQUIRE(found.size() == 1);
  return found[0].at("id").get<std::string>();
}

// Polls `probe` until it returns true, at most `limit`.
template <class F>
bool eventually(F probe, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!probe()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// ---- a driven clock (spime serve --manual-clock, /api/clock) ----------------

// A fixed start for driven clocks: 2023-11-14T22:13:20Z, on a whole second
// (cron `* * * * * *` fires at START + 1000, + 2000, ...).
constexpr std::int64_t kClockStart = 1700000000000;

// Server options whose engine clock stands still at `start_ms` until moved.
inline ServerOptions manual_clock(std::int64_t start_ms = kClockStart) {
  ServerOptions o;
  o.extra_args = {"--manual-clock", std::to_string(start_ms)};
  return o;
}

// POST /api/clock with `param` (advance or set) = `ms`, as the owner. The
// schedules due by then are queued at their picos when it returns. REQUIREs
// 200; answers the clock's time.
inline std::int64_t move_clock(const SpimeServer& s, const char* param, std::int64_t ms) {
  HttpResult r = s.post(std::string("/api/clock?") + param + "=" + std::to_string(ms) +
                            "&eci=" + url_encode(s.owner_eci()),
                        "");
  INFO("clock " << param << "=" << ms << " -> " << describe(r));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.is_object());
  REQUIRE(r.body.contains("now"));
  return r.body.at("now").get<std::int64_t>();
}
inline std::int64_t advance_clock(const SpimeServer& s, std::int64_t ms) {
  return move_clock(s, "advance", ms);
}
inline std::int64_t set_clock(const SpimeServer& s, std::int64_t ms) {
  return move_clock(s, "set", ms);
}

}  // namespace spime::integration
