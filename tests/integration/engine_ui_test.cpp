// The engine UI ruleset (rulesets/io.picolabs.pico-engine-ui.krl) over HTTP
// on a real `spime serve`: installed on the root at boot and on every child,
// the reference's query shapes (uiECI, box, pico, name), its events on the
// UI channel (new, box, new_channel, install, del), and that channel's
// least-privilege policies.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

std::string root_ui_eci(const SpimeServer& s) {
  json eci = must_query(s, s.owner_eci(), kEngineUi, "uiECI");
  REQUIRE(eci.is_string());
  return eci.get<std::string>();
}

}  // namespace

TEST_CASE("engine UI: the root's UI channel and its query shapes", "[integration][engine_ui]") {
  SpimeServer server;
  CHECK(contains(installed_rids(server, server.owner_eci()), kEngineUi));
  std::string ui = root_ui_eci(server);
  CHECK(ui != server.owner_eci());
  json box = must_query(server, ui, kEngineUi, "box");
  CHECK(box == json{{"eci", ui},
                    {"parent", nullptr},
                    {"children", json::array()},
                    {"name", "Pico"},
                    {"backgroundColor", "#87cefa"},
                    {"x", 100},
                    {"y", 100},
                    {"width", 100},
                    {"height", 100}});
  json pico = must_query(server, ui, kEngineUi, "pico");
  CHECK(pico.at("eci") == ui);
  CHECK(pico.at("parent").is_null());
  CHECK(pico.at("children") == json::array());
  CHECK(pico.at("channels").is_array());
  CHECK(pico.at("rulesets").is_array());
  CHECK(must_query(server, ui, kEngineUi, "name") == "Pico");
  // The root's episodes (engine:started at least), newest first (pico_logs_test.cpp).
  json logs = must_query(server, ui, kEngineUi, "logs");
  REQUIRE(logs.is_array());
  CHECK_FALSE(logs.empty());
  // The wrangler named the root at setup.
  CHECK(must_query(server, server.owner_eci(), kWrangler, "name") == "Pico");

  // Least privilege: nothing but what the UI needs.
  CHECK(server.query(ui, kWrangler, "children").status == 403);
  CHECK(server.event(ui, "wrangler", "new_child_request", {{"name", "x"}}).status == 403);
  CHECK(child_ecis(server, server.owner_eci()).empty());

  // The same channel after a restart, nothing rewritten.
  server.restart();
  CHECK(root_ui_eci(server) == ui);
  CHECK(must_query(server, ui, kEngineUi, "box") == box);
}

TEST_CASE("engine UI: children made, boxed, given channels and deleted through the UI",
          "[integration][engine_ui]") {
  TempDir krl;
  SpimeServer server;
  std::string ui = root_ui_eci(server);
  must_event(server, ui, "engine_ui", "new", {{"name", "kid"}, {"backgroundColor", "#112233"}});
  json root_box = must_query(server, ui, kEngineUi, "box");
  REQUIRE(root_box.at("children").size() == 1);
  std::string kid_ui = root_box["children"][0].get<std::string>();
  json kid_box = must_query(server, kid_ui, kEngineUi, "box");
  CHECK(kid_box.at("eci") == kid_ui);
  CHECK(kid_box.at("parent") == ui);
  CHECK(kid_box.at("name") == "kid");
  CHECK(kid_box.at("backgroundColor") == "#112233");
  json kid_pico = must_query(server, kid_ui, kEngineUi, "pico");
  std::vector<std::string> rids;
  for (const auto& r : kid_pico.at("rulesets")) rids.push_back(r.at("rid").get<std::string>());
  CHECK(contains(rids, kEngineUi));
  CHECK(contains(rids, kWrangler));

  // engine_ui:box moves and recolors; a bad color keeps the old one.
  must_event(server, kid_ui, "engine_ui", "box", {{"x", 250}, {"backgroundColor", "red"}});
  kid_box = must_query(server, kid_ui, kEngineUi, "box");
  CHECK(kid_box.at("x") == 250);
  CHECK(kid_box.at("backgroundColor") == "#112233");

  // A channel of the client's choosing; without policies it admits nothing.
  std::string wide =
      new_channel_via_ui(server, kid_ui, "wide", allow_all_events(), allow_all_queries());
  CHECK(must_query(server, wide, kWrangler, "name") == "kid");
  std::string closed = [&] {
    must_event(server, kid_ui, "engine_ui", "new_channel", {{"tags", json::array({"closed"})}});
    json kid = must_query(server, kid_ui, kEngineUi, "pico");
    for (const auto& c : kid.at("channels")) {
      if (c.at("tags").size() == 1 && c["tags"][0] == "closed")
        return c.at("id").get<std::string>();
    }
    return std::string();
  }();
  REQUIRE(!closed.empty());
  CHECK(server.query(closed, kWrangler, "name").status == 403);
  CHECK(server.event(closed, "wrangler", "name_changed", {{"name", "x"}}).status == 403);

  // engine_ui:install (the wrangler's install_ruleset_request).
  const char* kHello = R"krl(ruleset ui.hello {
    meta { shares hello }
    global { hello = function() { "hi" } }
  })krl";
  must_event(server, kid_ui, "engine_ui", "install",
             {{"url", file_url(krl.write("ui.hello.krl", kHello))}});
  CHECK(must_query(server, wide, "ui.hello", "hello") == "hi");

  // A grandchild through the child's UI channel.
  must_event(server, kid_ui, "engine_ui", "new", {{"name", "grandkid"}});
  json kid_children = must_query(server, kid_ui, kEngineUi, "box").at("children");
  REQUIRE(kid_children.size() == 1);
  CHECK(must_query(server, kid_children[0].get<std::string>(), kEngineUi, "box").at("parent") ==
        kid_ui);

  // engine_ui:del deletes the child and its subtree.
  must_event(server, ui, "engine_ui", "del", {{"eci", kid_ui}});
  CHECK(must_query(server, ui, kEngineUi, "box").at("children") == json::array());
  CHECK(child_ecis(server, server.owner_eci()).empty());
  CHECK(server.query(wide, kWrangler, "name").status == 404);
  CHECK(server.query(kid_children[0].get<std::string>(), kEngineUi, "box").status == 404);
}
