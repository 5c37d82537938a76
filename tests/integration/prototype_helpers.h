// What the prototype integration tests share: a folder of test prototypes
// (and the small rulesets they name) for `spime serve --prototypes`, and
// making a child from a prototype over HTTP as a client does
// (wrangler:new_child_request with `prototype`).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration {

// Server options that load the prototypes of `dir` (shipped rulesets as usual).
inline ServerOptions with_prototypes(const std::string& dir) {
  ServerOptions o;
  o.extra_args = {"--prototypes", dir};
  return o;
}

// The new_child directive's options from a new_child_request answer.
inline json new_child_directive(const json& answer) {
  for (const auto& d : answer.at("directives")) {
    if (d.at("name") == "new_child") return d.at("options");
  }
  FAIL("no new_child directive in " << answer.dump());
  return json();
}

// Asks the pico behind `parent_eci` (a channel allowing wrangler events) for
// a child `name` made from `prototype`; REQUIREs 200 and answers the
// new_child directive's options {id, eci, name, prototype, channels,
// transducer_url?}.
inline json new_child_from(const SpimeServer& s, const std::string& parent_eci,
                           const std::string& name, const std::string& prototype) {
  json answer = must_event(s, parent_eci, "wrangler", "new_child_request",
                           {{"name", name}, {"prototype", prototype}});
  json made = new_child_directive(answer);
  CHECK(made.at("name") == name);
  CHECK(made.at("prototype") == prototype);
  return made;
}

// The channel of a made child named `name` (its ECI from the directive).
inline std::string channel_of(const json& made, const std::string& name) {
  INFO("channels: " << made.at("channels").dump());
  REQUIRE(made.at("channels").contains(name));
  return made.at("channels").at(name).get<std::string>();
}

// The directive names of a POST /sky/event answer (or none when not 200).
inline std::vector<std::string> directives_of(const HttpResult& r) {
  if (r.status != 200 || !r.body.is_object()) return {};
  return directive_names(r.body);
}

}  // namespace spime::integration
