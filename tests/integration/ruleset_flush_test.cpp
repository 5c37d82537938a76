// Flushing a ruleset the ways clients do, on a real `spime serve`: the
// reference's web UI raises engine_ui:flush and reads the pico back in the
// same request (/c/<eci>/event/engine_ui/flush/query/.../pico); the wrangler
// has rulesets_need_flushing; /api/flush is the engine's own route. Each
// must leave the pico running the new version.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

std::string probe_source(const std::string& answer) {
  return "ruleset it.flush_probe {\n"
         "  meta { shares answer }\n"
         "  global { answer = function() { \"" +
         answer + "\" } }\n}\n";
}

// The pico's ruleset it.flush_probe as the UI's `pico` lists it.
json probe_entry(const json& pico) {
  for (const auto& rs : pico.at("rulesets")) {
    if (rs.at("rid") == "it.flush_probe") return rs;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("ruleset flush: /api/flush gives running picos the new version", "[integration][flush]") {
  SpimeServer s;
  TempDir krl;
  ChildPico a = new_child_pico(s, s.owner_eci(), "A");
  std::string path = krl.write("it.flush_probe.krl", probe_source("one"));
  install_ruleset(s, a.eci, file_url(path), "it.flush_probe");
  CHECK(must_query(s, a.eci, "it.flush_probe", "answer") == "one");
  krl.write("it.flush_probe.krl", probe_source("two"));
  HttpResult r = s.get("/api/flush?url=" + url_encode(file_url(path)) + "&eci=" + s.owner_eci());
  INFO(describe(r));
  REQUIRE(r.status == 200);
  CHECK(must_query(s, a.eci, "it.flush_probe", "answer") == "two");
}

TEST_CASE("ruleset flush: engine_ui:flush, as the reference's web UI does it",
          "[integration][flush]") {
  SpimeServer s;
  TempDir krl;
  ChildPico a = new_child_pico(s, s.owner_eci(), "A");
  std::string path = krl.write("it.flush_probe.krl", probe_source("one"));
  install_ruleset(s, a.eci, file_url(path), "it.flush_probe");
  std::string before = probe_entry(must_query(s, a.ui_eci, kEngineUi, "pico"))
                           .at("meta")
                           .at("hash")
                           .get<std::string>();
  krl.write("it.flush_probe.krl", probe_source("two"));
  HttpResult r =
      s.post_json("/c/" + a.ui_eci + "/event/engine_ui/flush/query/" + kEngineUi + "/pico",
                  {{"url", file_url(path)}});
  INFO(describe(r));
  REQUIRE(r.status == 200);
  json entry = probe_entry(r.body);
  REQUIRE(entry.is_object());
  CHECK(entry.at("meta").at("hash") != before);
  CHECK(must_query(s, a.eci, "it.flush_probe", "answer") == "two");
}

TEST_CASE("ruleset flush: wrangler:rulesets_need_flushing", "[integration][flush]") {
  SpimeServer s;
  TempDir krl;
  ChildPico a = new_child_pico(s, s.owner_eci(), "A");
  std::string path = krl.write("it.flush_probe.krl", probe_source("one"));
  install_ruleset(s, a.eci, file_url(path), "it.flush_probe");
  krl.write("it.flush_probe.krl", probe_source("two"));
  must_event(s, a.eci, "wrangler", "rulesets_need_flushing");
  CHECK(must_query(s, a.eci, "it.flush_probe", "answer") == "two");
}
