// Removal from the command line: `spime collection rm` takes a member out
// of one collection (its reports stop there only); `spime pico rm` deletes
// a device (its heartbeat URL answers an error, its collections no longer
// list it, their logs stay) or a collection (its members let go of it).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;
using spime::integration::eventually;

namespace {

std::vector<std::string> member_names(const CliServer& s, const std::string& collection) {
  std::vector<std::string> names;
  for (const auto& m : s.expect_json({"collection", "ls", collection}))
    names.push_back(m.at("name"));
  return names;
}

std::size_t violations_in(const CliServer& s, const std::string& collection) {
  return s.expect_json({"violations", collection, "--limit", "100"}).at("entries").size();
}

std::size_t collections_of(const CliServer& s, const std::string& device) {
  return s.expect_json({"query", device, "esproto_device", "collections"}).size();
}

}  // namespace

TEST_CASE("collection rm and pico rm: members leave, removed picos answer no more", "[cli]") {
  CliServer s;
  s.expect(0, {"collection", "new", "hall"});
  s.expect(0, {"collection", "new", "battery"});
  const std::string probe =
      s.expect_json({"pico", "new", "probe", "--prototype", "esproto-temp"}).at("transducer_url");
  s.expect(0, {"pico", "new", "other", "--prototype", "esproto-temp"});
  s.join("hall", "probe");
  s.join("battery", "probe");
  s.join("hall", "other");
  s.heartbeat(probe, "temp-hot.json");
  CHECK(violations_in(s, "hall") == 1);
  CHECK(violations_in(s, "battery") == 1);

  // Out of one collection: both sides let go when the command answers.
  CHECK(s.expect(0, {"collection", "rm", "battery", "probe"}).out ==
        "removed Pico/probe from Pico/battery\n");
  CHECK(s.expect_json({"collection", "ls", "battery"}) == json::array());
  CHECK(collections_of(s, "probe") == 1);
  CHECK(s.expect(0, {"collection", "rm", "battery", "probe"}).out ==
        "Pico/probe is not in Pico/battery: nothing to do\n");
  s.heartbeat(probe, "temp-cold.json");
  CHECK(violations_in(s, "hall") == 2);
  CHECK(violations_in(s, "battery") == 1);

  // The device deleted: its channel is gone, its collection lets go, the
  // log stays.
  CHECK(s.expect(0, {"pico", "rm", "probe"}).out == "removed pico Pico/probe\n");
  spime::integration::HttpResult gone = s.post_to(probe, esproto_payload("temp-hot.json"));
  CHECK(gone.status == 404);
  CHECK_THAT(gone.body.value("error", ""), Catch::StartsWith("Error: ECI not found "));
  CHECK(s.expect(1, {"pico", "show", "probe"}).err ==
        "spime pico show: no pico named 'probe' (`spime pico ls` lists them)\n");
  REQUIRE(eventually([&] { return member_names(s, "hall") == std::vector<std::string>{"other"}; }));
  CHECK(violations_in(s, "hall") == 2);
  CHECK(s.expect(1, {"collection", "add", "hall", "probe"}).exit_code == 1);

  // A collection deleted: its member's side of the subscription goes too.
  CHECK(collections_of(s, "other") == 1);
  CHECK(s.expect(0, {"pico", "rm", "hall"}).out == "removed pico Pico/hall\n");
  REQUIRE(eventually([&] { return collections_of(s, "other") == 0; }));
  CHECK(s.expect_json({"query", "other", "io.picolabs.subscription", "established"}) ==
        json::array());
  const json left = s.expect_json({"collection", "ls"});
  REQUIRE(left.size() == 1);
  CHECK(left[0].at("name") == "battery");
  CHECK(s.expect(1, {"violations", "hall"}).err ==
        "spime violations: no pico named 'hall' (`spime pico ls` lists them)\n");
}
