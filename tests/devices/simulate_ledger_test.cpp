// `spime devices simulate --ledger FILE --ride-outages` (devices/ledger.h,
// devices/README.md "Crash tests") against a real `spime serve` that is
// killed (-9) and started again on the same data directory under the load:
// the run goes on through the outage and ends well, and its ledger has a
// line per good heartbeat, acknowledged or not, each with an eid and a
// timestamp of its own.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"
#include "tests/temp_dir.h"

namespace spime::devices_test {
namespace {

using integration::json;
using integration::SpimeServer;

cli_test::Run simulate(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"devices", "simulate"};
  all.insert(all.end(), args.begin(), args.end());
  return cli_test::run_spime(all, {}, std::chrono::seconds(90));
}

std::vector<json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> lines;
  for (std::string text; std::getline(in, text);) lines.push_back(json::parse(text));
  return lines;
}

}  // namespace

TEST_CASE("simulate: --ride-outages goes on through a kill -9, --ledger says what was acknowledged",
          "[devices][simulate]") {
  SpimeServer server;
  testing::TempDir dir;
  const std::string ledger = dir.path() + "/ledger.jsonl";
  const std::vector<std::string> args = {"--url",
                                         server.url(),
                                         "--no-progress",
                                         "--json",
                                         "--count",
                                         "4",
                                         "--collections",
                                         "0",
                                         "--duration",
                                         "8",
                                         "--rate",
                                         "40",
                                         "--hot-fraction",
                                         "1",
                                         "--bad-fraction",
                                         "0",
                                         "--connections",
                                         "2",
                                         "--ride-outages",
                                         "--ledger",
                                         ledger};
  cli_test::Run run;
  std::thread load([&] { run = simulate(args); });
  std::this_thread::sleep_for(std::chrono::seconds(3));
  server.kill9();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.start();
  load.join();
  INFO(cli_test::describe(args, run));
  REQUIRE(run.exit_code == 0);
  const json summary = json::parse(run.out);
  const json& h = summary.at("heartbeats");
  CHECK(h.at("failed").get<long>() > 0);  // the outage was seen
  for (const auto& c : summary.at("checks")) {
    if (c.at("name") == "answers") CHECK(c.at("state") == "passed");
    if (c.at("name") == "violations") CHECK(c.at("state") == "skipped");
  }

  const std::vector<json> lines = read_lines(ledger);
  long acknowledged = 0, not_acknowledged = 0;
  std::set<std::string> eids, sent_eids;
  std::map<std::string, std::string> last_stamp;
  for (const auto& l : lines) {
    INFO(l.dump());
    CHECK(sent_eids.insert(l.at("sent_eid").get<std::string>()).second);
    const std::string device = l.at("device");
    const std::string stamp = l.at("timestamp");
    CHECK(stamp > last_stamp[device]);  // ISO text: strictly increasing per device
    last_stamp[device] = stamp;
    CHECK(l.at("readings") == 1);    // a Temp-2000's one probe
    CHECK(l.at("violations") == 1);  // every device hot
    if (l.at("acknowledged") == true) {
      ++acknowledged;
      CHECK(eids.insert(l.at("eid").get<std::string>()).second);
    } else {
      ++not_acknowledged;
    }
  }
  CHECK(acknowledged == h.at("acknowledged").get<long>());
  CHECK(not_acknowledged == h.at("failed").get<long>() + h.at("refused").get<long>());
  CHECK(last_stamp.size() == 4);
}

TEST_CASE("simulate: --ledger and --ride-outages refuse what they cannot do",
          "[devices][simulate]") {
  const std::vector<std::vector<std::string>> bad = {
      {"--ledger", "/tmp/x", "--protocol", "mqtt", "--mqtt", "mqtt://127.0.0.1:1"},
      {"--ride-outages", "--setup-only"},
      {"--ride-outages", "--clock-advance"},
  };
  for (const auto& args : bad) {
    std::vector<std::string> all = {"--url", "http://127.0.0.1:9"};
    all.insert(all.end(), args.begin(), args.end());
    const cli_test::Run run = simulate(all);
    INFO(cli_test::describe(all, run));
    CHECK(run.exit_code == 2);
  }
}

}  // namespace spime::devices_test
