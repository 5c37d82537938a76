// A collection member on a second engine, from the command line alone:
// `spime collection add|rm --member-host URL`. Its reports arrive through
// the outbox, the collection asks it for its status over HTTP, and removal
// ends the membership on both engines.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;
using spime::integration::eventually;

namespace {

// The collections the device `name` on `engine` reports to.
size_t collections_of(const CliServer& engine, const std::string& name) {
  return engine.expect_json({"query", name, "esproto_device", "collections"}).size();
}

size_t violations_in(const CliServer& engine, const std::string& collection) {
  return engine.expect_json({"violations", collection}).at("entries").size();
}

}  // namespace

TEST_CASE("a member on a second engine: collection add and rm --member-host", "[cli]") {
  CliServer home;    // the collection and a device of its own
  CliServer remote;  // a device
  const std::string there = remote.server.url();
  home.expect(0, {"collection", "new", "hallway"});
  json near = home.expect_json({"pico", "new", "near", "--prototype", "esproto-temp"});
  json far = remote.expect_json({"pico", "new", "far", "--prototype", "esproto-temp"});
  home.expect(0, {"collection", "add", "hallway", "near"});

  Run r = home.expect(0, {"collection", "add", "hallway", "far", "--member-host", there + "/"});
  CHECK(r.out == "added Pico/far at " + there + " to Pico/hallway\n");
  json members = home.expect_json({"collection", "ls", "hallway"});
  REQUIRE(members.size() == 2);
  CHECK(members[1].at("name") == "far");
  CHECK(members[1].at("id") == far.at("id"));
  CHECK(members[1].at("Tx_host") == there);
  CHECK_THAT(home.expect(0, {"collection", "ls", "hallway"}).out,
             Catch::Contains("far     " + far.at("id").get<std::string>()));
  // The device's side is established through the two outboxes.
  REQUIRE(eventually([&] { return collections_of(remote, "far") == 1; }, std::chrono::seconds(10)));
  // What the collection's engine holds of the device: a channel of its own,
  // one event and two queries.
  CHECK_THAT(remote.expect(0, {"pico", "show", "far"}).out,
             Catch::Matches("(.|\n)*\n[^ ]+ +spime-member +1 allowed +2 allowed +-\n(.|\n)*"));
  // Twice is nothing to do.
  CHECK(home.expect(0, {"collection", "add", "hallway", "far", "--member-host", there}).out ==
        "Pico/far at " + there + " is already in Pico/hallway: nothing to do\n");

  // Its violation arrives through the outbox; status is asked over HTTP.
  CHECK(remote.heartbeat(far.at("transducer_url"), "temp-hot.json") ==
        std::vector<std::string>{"threshold_violation"});
  home.heartbeat(near.at("transducer_url"), "temp-cold.json");
  REQUIRE(
      eventually([&] { return violations_in(home, "hallway") == 2; }, std::chrono::seconds(10)));
  const json page = home.expect_json({"violations", "hallway"});
  json far_entry;
  for (const auto& e : page.at("entries")) {
    if (e.at("entry").at("device_name") == "far") far_entry = e.at("entry");
  }
  INFO(page.dump());
  REQUIRE(far_entry.is_object());
  CHECK(far_entry.at("device_id") == far.at("id"));
  CHECK(far_entry.at("value") == 90.5);
  json status = home.expect_json({"status", "hallway"});
  REQUIRE(status.size() == 2);
  CHECK(status[1].at("name") == "far");
  CHECK(status[1].at("silent") == false);
  CHECK(status[1].at("last_heard").is_string());

  // Removal ends it on both engines; later reports stay home.
  CHECK(home.expect(0, {"collection", "rm", "hallway", "far", "--member-host", there}).out ==
        "removed Pico/far at " + there + " from Pico/hallway\n");
  members = home.expect_json({"collection", "ls", "hallway"});
  REQUIRE(members.size() == 1);
  CHECK(members[0].at("name") == "near");
  // Again: nothing to do, as for a sibling that is no member.
  CHECK(home.expect(0, {"collection", "rm", "hallway", "far", "--member-host", there}).out ==
        "Pico/far at " + there + " is not in Pico/hallway: nothing to do\n");
  REQUIRE(eventually([&] { return collections_of(remote, "far") == 0; }, std::chrono::seconds(10)));
  remote.heartbeat(far.at("transducer_url"), "temp-hot.json");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(violations_in(home, "hallway") == 2);
}

TEST_CASE("collection add --member-host: refusals and exit codes", "[cli]") {
  CliServer home;
  CliServer remote;
  home.expect(0, {"collection", "new", "hallway"});
  const std::string there = remote.server.url();
  CHECK(home.expect(1, {"collection", "add", "hallway", "nobody", "--member-host", there}).err ==
        "spime collection add: at " + there +
            ": no pico named 'nobody' (`spime pico ls` lists them)\n");
  CHECK(home.expect(2, {"collection", "add", "hallway", "far", "--member-host", "ftp://x"}).err ==
        "spime collection add: --member-host: the url must start with http:// or https:// (got "
        "'ftp://x')\n");
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(spime::integration::free_loopback_port());
  CHECK_THAT(home.expect(3, {"collection", "add", "hallway", "far", "--member-host", nowhere}).err,
             Catch::StartsWith("spime collection add: cannot reach the engine at " + nowhere));
  // Nothing was added, and the root cannot be a collection.
  CHECK(home.expect_json({"collection", "ls", "hallway"}) == json::array());
  remote.expect(0, {"pico", "new", "far", "--prototype", "esproto-temp"});
  CHECK(home.expect(1, {"collection", "add", "Pico", "far", "--member-host", there}).err ==
        "spime collection add: Pico is the root: a collection is a child of the pico that keeps "
        "it\n");
}
