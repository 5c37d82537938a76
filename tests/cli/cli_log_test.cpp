// `spime violations`: pages, cursors and --follow, against a collection
// ruleset that keeps the contract the command line codes against
// (fixtures/contract_collection.krl, rid spimes_collection). The engine
// registers only the Pico OS rulesets here, so the real spimes rulesets,
// once shipped, never meet the stand-in.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;

namespace {

// A --rulesets folder with the Pico OS alone.
std::string pico_os_rulesets(const spime::testing::TempDir& dir) {
  for (const char* name : {"io.picolabs.pico-engine-ui.krl", "io.picolabs.wrangler.krl",
                           "io.picolabs.subscription.krl"}) {
    std::filesystem::copy_file(std::string(SPIME_SOURCE_DIR) + "/rulesets/" + name,
                               dir.path() + "/" + name);
  }
  return dir.path();
}

void add_violation(const CliServer& s, int value) {
  json entry = {{"device_name", "probe"}, {"sensor_type", "temperature"}, {"value", value},
                {"threshold", 80},        {"direction", "above"},         {"message", "hot"}};
  s.expect(0, {"event", "hall", "test:violation", "--attrs", json{{"entry", entry}}.dump()});
}

std::vector<std::string> cursors_of_lines(const std::string& ndjson) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < ndjson.size()) {
    const std::size_t end = ndjson.find('\n', at);
    json line = json::parse(ndjson.substr(at, end - at), nullptr, false);
    out.push_back(line.is_object() ? line.value("cursor", "?") : "not JSON");
    at = end == std::string::npos ? ndjson.size() : end + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("violations: pages, cursors, JSON and follow", "[cli]") {
  spime::testing::TempDir rulesets;
  spime::integration::ServerOptions options;
  options.rulesets_dir = pico_os_rulesets(rulesets);
  CliServer s(options);
  s.expect(0, {"pico", "new", "hall"});
  s.expect(0, {"ruleset", "install", "hall",
               SPIME_SOURCE_DIR "/tests/cli/fixtures/contract_collection.krl"});
  CHECK(s.expect(0, {"violations", "hall"}).out ==
        "TIME  DEVICE  SENSOR  VALUE  THRESHOLD  DIRECTION  MESSAGE\n");
  for (int v = 81; v <= 83; ++v) add_violation(s, v);

  Run r = s.expect(0, {"violations", "hall", "--limit", "2"});
  CHECK_THAT(r.out, Catch::Matches("TIME +DEVICE +SENSOR +VALUE +THRESHOLD +DIRECTION +MESSAGE\n"
                                   "[^ ]+  probe +temperature +83 +80 +above +hot\n"
                                   "[^ ]+  probe +temperature +82 +80 +above +hot\n"
                                   "older: --cursor c2\n"));
  r = s.expect(0, {"violations", "hall", "--limit", "2", "--cursor", "c2"});
  CHECK_THAT(r.out, Catch::Matches("TIME .*\n[^ ]+  probe +temperature +81 .*\n"));
  json page = s.expect_json({"violations", "hall", "--limit", "1"});
  CHECK(page.at("entries").size() == 1);
  CHECK(page.at("entries").at(0).at("entry").at("value") == 83);
  CHECK(page.at("next") == "c3");

  // --follow: the page there is (oldest first), then what comes, one JSON
  // object a line; --follow-for bounds it.
  Run followed;
  std::thread follower([&] {
    followed = s.run({"violations", "hall", "--limit", "2", "--follow-for", "4", "--json"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  for (int v = 84; v <= 86; ++v) add_violation(s, v);  // more than a page: read back to c3
  follower.join();
  INFO(describe({"violations", "hall", "--follow-for", "4"}, followed));
  CHECK(followed.exit_code == 0);
  CHECK(cursors_of_lines(followed.out) == std::vector<std::string>{"c2", "c3", "c4", "c5", "c6"});
}
