// The server process itself: startup, identity, errors on unknown ECIs,
// clean stop, restart on the same data directory.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include "tests/integration/server_fixture.h"
#include "tests/spime_binary.h"

using namespace spime::integration;

TEST_CASE("spime serve prints its port and owner ECI and answers /api/ui-context",
          "[integration]") {
  SpimeServer server;
  REQUIRE(server.port() != 0);
  REQUIRE(!server.owner_eci().empty());
  HttpResult r = server.get("/api/ui-context");
  REQUIRE(r.status == 200);
  // As the reference: the root's engine UI channel, not the owner's.
  std::string ui = r.body.at("eci").get<std::string>();
  CHECK(ui != server.owner_eci());
  CHECK_THAT(server.output(), Catch::Contains("UI ECI: " + ui));
  HttpResult box = server.query(ui, "io.picolabs.pico-engine-ui", "box");
  CHECK(box.status == 200);
  CHECK(server.event(ui, "wrangler", "new_child_request", {{"name", "x"}}).status == 403);
  CHECK(r.body.at("version") == "0.1.0");
}

TEST_CASE("an unknown ECI is a 404 for events and queries", "[integration]") {
  SpimeServer server;
  HttpResult e = server.event("ckunknownunknownunknown00", "a", "b");
  CHECK(e.status == 404);
  CHECK(e.body.at("error").get<std::string>().find("ECI not found") != std::string::npos);
  HttpResult q = server.query("ckunknownunknownunknown00", "r", "f");
  CHECK(q.status == 404);
}

TEST_CASE("SIGTERM stops the server cleanly, a restart keeps the owner ECI", "[integration]") {
  SpimeServer server;
  std::string eci = server.owner_eci();
  std::string ui = server.get("/api/ui-context").body.at("eci").get<std::string>();
  int status = server.stop();
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(server.get("/api/ui-context").status == 0);  // nobody listens any more
  server.start();
  CHECK(server.owner_eci() == eci);
  CHECK(server.get("/api/ui-context").body.at("eci") == ui);
}

TEST_CASE("a second server on the same data directory is refused while the first runs",
          "[integration]") {
  SpimeServer first;
  // Start a second process on the first one's data directory by hand.
  HttpResult before = first.get("/api/ui-context");
  REQUIRE(before.status == 200);
  TempDir scratch;
  std::string cmd = spime::test::spime_binary() + " serve --port 0 --data '" + first.data_dir() +
                    "' > '" + scratch.path() + "/out' 2>&1 < /dev/null";
  int rc = std::system(cmd.c_str());  // exits at once: the store is locked
  REQUIRE(WIFEXITED(rc));
  CHECK(WEXITSTATUS(rc) != 0);
  CHECK(first.get("/api/ui-context").status == 200);
}
