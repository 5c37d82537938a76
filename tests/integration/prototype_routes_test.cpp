// The prototype routes: GET /api/prototypes, GET /api/prototypes/NAME and
// POST /api/prototypes/check; and `spime serve` with a bad prototype file
// among good ones starts, says why on stderr and loads the others.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/prototype_helpers.h"

using namespace spime::integration;

namespace {

std::vector<std::string> names_of(const json& list) {
  std::vector<std::string> out;
  for (const auto& p : list) out.push_back(p.at("name").get<std::string>());
  return out;
}

HttpResult check(const SpimeServer& s, const std::string& file, const std::string& yaml) {
  return s.post_json("/api/prototypes/check", {{"file", file}, {"yaml", yaml}});
}

}  // namespace

TEST_CASE("prototypes: the routes list, show and check", "[integration][prototypes]") {
  SpimeServer server;
  HttpResult all = server.get("/api/prototypes");
  INFO(describe(all));
  REQUIRE(all.status == 200);
  CHECK(names_of(all.body.at("prototypes")) ==
        std::vector<std::string>{"collection", "esproto-device", "esproto-msa", "esproto-temp"});

  HttpResult temp = server.get("/api/prototypes/esproto-temp");
  REQUIRE(temp.status == 200);
  CHECK(temp.body.at("name") == "esproto-temp");
  CHECK(temp.body.at("extends") == "esproto-device");
  CHECK(temp.body.at("channels").size() == 2);
  CHECK(temp.body.at("channels")[0].at("attrs_schema").at("type") == "object");
  CHECK(temp.body.at("rulesets")[0].at("url") ==
        "file://" + std::string(SPIME_SOURCE_DIR) + "/rulesets/esproto_router.krl");
  CHECK(temp.body.at("initialization")[0].at("attributes").at("upper_limit") == 80);
  CHECK(temp.body == all.body.at("prototypes")[3]);

  HttpResult unknown = server.get("/api/prototypes/nope");
  CHECK(unknown.status == 404);
  CHECK(unknown.body == json{{"error", "Error: unknown prototype nope"}});

  HttpResult ok = check(server, "hall-2.yaml",
                        "name: hall-2\nextends: collection\nconfig: {max_log_entries: 10}\n");
  INFO(describe(ok));
  CHECK(ok.status == 200);
  CHECK(ok.body == json{{"ok", true}, {"prototypes", {"hall-2"}}});
  CHECK(server.get("/api/prototypes/hall-2").status == 404);  // nothing loaded

  // Relative references resolve against the prototypes folder.
  HttpResult relative = check(server, "t.yaml", R"(name: t
channels:
  - name: transducer
    attrs_schema: {file: ../rulesets/schemas/esproto-heartbeat.json}
)");
  CHECK(relative.status == 200);

  HttpResult bad = check(server, "x.yaml", "name: x\nchanels: []\n");
  CHECK(bad.status == 400);
  CHECK(bad.body == json{{"error",
                          "Error: x.yaml:2:1: unknown key \"chanels\" (expected name, description, "
                          "extends, config, channels, rulesets, initialization, subscriptions, "
                          "protocols, mqtt)"}});
  CHECK(check(server, "x.yaml", "name: x\nrulesets:\n  - rid: nope\n").body ==
        json{{"error", "Error: x.yaml:3:10: rulesets[0].rid: no ruleset \"nope\" is registered"}});
  CHECK(server.post_json("/api/prototypes/check", {{"file", "x.yaml"}}).status == 400);
  // GET only / POST only.
  CHECK(server.get("/api/prototypes/check").status == 404);
  CHECK(server.post("/api/prototypes", "{}").status == 404);
}

TEST_CASE("prototypes: serve reports a bad file and loads the good ones",
          "[integration][prototypes]") {
  TempDir dir;
  dir.write("good.yaml", "name: good\nrulesets:\n  - rid: esproto_device\n");
  dir.write("bad.yaml", "name: bad\nchannels:\n  - name: a\n    tagz: [b]\n");
  SpimeServer server(with_prototypes(dir.path()));
  CHECK(server.output().find("prototype error: " + dir.path() +
                             "/bad.yaml:4:5: channels[0]: unknown key \"tagz\"") !=
        std::string::npos);
  HttpResult all = server.get("/api/prototypes");
  REQUIRE(all.status == 200);
  CHECK(names_of(all.body.at("prototypes")) == std::vector<std::string>{"good"});
  json made = new_child_from(server, server.owner_eci(), "g", "good");
  CHECK(made.at("channels") == json::object());
}
