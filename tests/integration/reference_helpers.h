// Shared helpers for the reference_*_test.cpp files: the reference engine's own
// tests of its test rulesets (pico-engine packages/pico-engine/test/
// test-rulesets/*.krl.ts), transcribed step by step and run against a real
// `spime serve` over HTTP only.
//
// The reference's startTestEngine makes an allow-all channel on the root pico
// and installs the test rulesets there in order; its signal() raises an event
// on that channel and keeps, of each directive, its name and options
// (cleanDirectives). TestEngine below does the same over HTTP: the channel
// comes from wrangler:new_channel_request on the owner ECI, the rulesets from
// wrangler:install_ruleset_request with a file:// URL to the reference's files
// as they are (../shared/reference/test-rulesets/).
//
// Step helpers CHECK (not REQUIRE) the answer's status, so a failing step
// shows its answer and the test goes on with the next step; setup helpers
// (channels, installs the rest depends on) REQUIRE.
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration::reference {

// The reference's test rulesets, unchanged (with their license).
inline std::string test_ruleset_url(const std::string& file) {
  return file_url(std::string(SPIME_SHARED_DIR) + "/reference/test-rulesets/" + file);
}

// One directive as cleanDirectives keeps it.
inline json dir(const std::string& name, json options = json::object()) {
  return json{{"name", name}, {"options", std::move(options)}};
}

// The directives of an event answer as cleanDirectives keeps them: name and
// options of each, in order.
inline json clean_directives(const json& answer) {
  json out = json::array();
  if (!answer.is_object() || !answer.contains("directives")) return answer;
  for (const auto& d : answer.at("directives")) {
    out.push_back(dir(d.value("name", ""), d.value("options", json::object())));
  }
  return out;
}

// An event that comes over HTTP carries two more attributes in both engines
// (the reference's sky route adds them, spime follows): the request headers
// (_headers) and the eid segment of the URL (__eid). The reference's tests
// raise their events in process and see neither; this removes them from an
// attribute map so the reference test's expectation applies as it is.
inline json without_http_attrs(json attrs) {
  if (attrs.is_object()) {
    attrs.erase("_headers");
    attrs.erase("__eid");
  }
  return attrs;
}

// startTestEngine's allowAllChannelConf: every event, every query.
inline std::string allow_all_channel(const SpimeServer& s, const std::string& eci) {
  json event_policy = {{"allow", json::array({{{"domain", "*"}, {"name", "*"}}})},
                       {"deny", json::array()}};
  json query_policy = {{"allow", json::array({{{"rid", "*"}, {"name", "*"}}})},
                       {"deny", json::array()}};
  return new_channel(s, eci, "allow-all", event_policy, query_policy);
}

// wrangler:install_ruleset_request for one of the reference's test rulesets.
inline HttpResult install_test_file_raw(const SpimeServer& s, const std::string& eci,
                                        const std::string& file) {
  return s.event(eci, "wrangler", "install_ruleset_request", {{"url", test_ruleset_url(file)}});
}

// Installs a test ruleset the rest of the test depends on (REQUIREs success).
inline void install_test_file(const SpimeServer& s, const std::string& eci,
                              const std::string& file) {
  HttpResult r = install_test_file_raw(s, eci, file);
  INFO("installing " << file << " -> " << describe(r));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.is_object());
  REQUIRE(!r.body.contains("error"));
}

// The reference's signal(domain, name, attrs): the directives, cleaned. A
// refused event fails the step and returns its {"error"} body (so a
// comparison of directives fails too, showing it).
inline json signal(const SpimeServer& s, const std::string& eci, const std::string& domain,
                   const std::string& name, const json& attrs = json::object()) {
  HttpResult r = s.event(eci, domain, name, attrs);
  INFO(domain << ":" << name << " " << attrs.dump() << " -> " << describe(r));
  CHECK(r.status == 200);
  if (r.body.is_discarded()) return json(r.text);
  return clean_directives(r.body);
}

// The reference's query(name, args): the value. A refused query fails the
// step and returns its {"error"} body.
inline json query(const SpimeServer& s, const std::string& eci, const std::string& rid,
                  const std::string& name, const json& args = json::object()) {
  HttpResult r = s.query(eci, rid, name, args);
  INFO(rid << "/" << name << " " << args.dump() << " -> " << describe(r));
  CHECK(r.status == 200);
  if (r.body.is_discarded()) return json(r.text);
  return r.body;
}

// The error message of a refused request (the reference's t.throwsAsync).
// The reference answers 200 with {"error"}; spime answers 4xx/5xx with the
// same body (a deliberate difference): this checks spime's status.
inline std::string refused(const HttpResult& r) {
  INFO(describe(r));
  CHECK(r.status >= 400);
  if (!r.body.is_object() || !r.body.contains("error") || !r.body.at("error").is_string()) {
    FAIL_CHECK("no {\"error\"} in the answer");
    return "";
  }
  return r.body.at("error").get<std::string>();
}

// startTestEngine(files): a fresh server, an allow-all channel on its root
// pico, the files installed there in order.
struct TestEngine {
  SpimeServer server;
  std::string eci;

  explicit TestEngine(const std::vector<std::string>& files = {}, ServerOptions options = {})
      : server(std::move(options)) {
    eci = allow_all_channel(server, server.owner_eci());
    for (const auto& f : files) install_test_file(server, eci, f);
  }
  void install(const std::string& file) const { install_test_file(server, eci, file); }
  HttpResult install_raw(const std::string& file) const {
    return install_test_file_raw(server, eci, file);
  }
  json signal(const std::string& domain, const std::string& name,
              const json& attrs = json::object()) const {
    return reference::signal(server, eci, domain, name, attrs);
  }
  HttpResult signal_raw(const std::string& domain, const std::string& name,
                        const json& attrs = json::object()) const {
    return server.event(eci, domain, name, attrs);
  }
  json query(const std::string& rid, const std::string& name,
             const json& args = json::object()) const {
    return reference::query(server, eci, rid, name, args);
  }
  HttpResult query_raw(const std::string& rid, const std::string& name,
                       const json& args = json::object()) const {
    return server.query(eci, rid, name, args);
  }
};

}  // namespace spime::integration::reference
