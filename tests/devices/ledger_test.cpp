// The ledger of `spime devices simulate --ledger` (devices/ledger.h): its
// lines, its timestamps, and the timestamp put into a heartbeat.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/ledger.h"
#include "tests/temp_dir.h"

using namespace spime::devices;

TEST_CASE("ledger: ISO 8601 milliseconds, a timestamp first in the heartbeat", "[devices]") {
  CHECK(iso_millis(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso_millis(1796614864123) == "2026-12-07T03:41:04.123Z");
  CHECK(iso_millis(1796614864007) == "2026-12-07T03:41:04.007Z");

  const std::string body = R"({"emitterGUID":"5CCF7F000001","genericThing":{}})";
  const std::string stamped = with_timestamp(body, "2026-12-07T03:41:04.123Z");
  const auto j = nlohmann::json::parse(stamped);
  CHECK(j.at("timestamp") == "2026-12-07T03:41:04.123Z");
  CHECK(j.at("emitterGUID") == "5CCF7F000001");
  // Not an object with members: left as it is.
  CHECK(with_timestamp("[1, 2, 3]", "t") == "[1, 2, 3]");
  CHECK(with_timestamp("{}", "t") == "{}");
}

TEST_CASE("ledger: a JSON line per heartbeat, appended and flushed", "[devices]") {
  spime::testing::TempDir dir;
  const std::string path = (std::filesystem::path(dir.path()) / "ledger.jsonl").string();
  Ledger ledger;
  REQUIRE(ledger.open(path).empty());
  LedgerLine ack{
      "sim-device-0001", "sim-r-0-0", "eid1", "2026-12-07T03:41:04.123Z", true, 200, 1, 1};
  LedgerLine lost{
      "sim-device-0002", "sim-r-1-0", "ignored", "2026-12-07T03:41:04.124Z", false, 0, 1, 0};
  REQUIRE(ledger.write(ack));
  REQUIRE(ledger.write(lost));
  CHECK(ledger.lines() == 2);
  // Flushed: readable while the ledger is still open.
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string text; std::getline(in, text);) lines.push_back(nlohmann::json::parse(text));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == nlohmann::json{{"device", "sim-device-0001"},
                                   {"sent_eid", "sim-r-0-0"},
                                   {"eid", "eid1"},
                                   {"timestamp", "2026-12-07T03:41:04.123Z"},
                                   {"acknowledged", true},
                                   {"status", 200},
                                   {"readings", 1},
                                   {"violations", 1}});
  CHECK(lines[1].at("acknowledged") == false);
  CHECK(lines[1].at("status") == 0);
  CHECK_FALSE(lines[1].contains("eid"));  // only an acknowledged heartbeat has the engine's

  Ledger nowhere;
  CHECK_FALSE(nowhere.open(path + "/no/such/dir/x").empty());
  CHECK_FALSE(nowhere.write(ack));
}
