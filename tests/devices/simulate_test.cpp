// The fleet simulator against a real `spime serve` with the shipped spimes
// rulesets: small fleets, a few seconds each, through the simulator's own
// command line (`spime devices simulate`, run as tests/cli/run_spime.h runs
// the binary) and its --json summary (exit codes 0, 1, 2, 3 as
// devices/README.md says).
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"

namespace spime::devices_test {
namespace {

using integration::json;
using integration::ServerOptions;
using integration::SpimeServer;

// One `spime devices simulate` run: what run_spime says, the command, and
// its --json summary.
struct SimulatorRun : cli_test::Run {
  std::vector<std::string> args;
  nlohmann::json json() const {
    return nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  std::string describe() const { return cli_test::describe(args, *this); }
};

// `spime devices simulate <args>`, killed after `timeout`.
SimulatorRun run_simulator(const std::vector<std::string>& args,
                           std::chrono::seconds timeout = std::chrono::seconds(60)) {
  SimulatorRun run;
  run.args = {"devices", "simulate"};
  run.args.insert(run.args.end(), args.begin(), args.end());
  static_cast<cli_test::Run&>(run) = cli_test::run_spime(run.args, {}, timeout);
  return run;
}

const std::string kSource = SPIME_SOURCE_DIR;

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The options every run here shares.
std::vector<std::string> base(const SpimeServer& s) {
  return {"--url", s.url(), "--no-progress", "--json", "--connections", "4"};
}

SpimeServer manual_clock_server() {
  ServerOptions o;
  o.extra_args = {"--manual-clock", "0"};
  return SpimeServer(o);
}

json check(const json& summary, const std::string& name) {
  for (const auto& c : summary.at("checks")) {
    if (c.at("name") == name) return c;
  }
  FAIL("no check named " << name << " in " << summary.dump());
  return json();
}

std::set<std::string> child_names(const SpimeServer& s) {
  integration::HttpResult r = s.query(s.owner_eci(), "io.picolabs.wrangler", "children");
  REQUIRE(r.status == 200);
  std::set<std::string> names;
  for (const auto& c : r.body) names.insert(c.at("name").get<std::string>());
  return names;
}

void require_counts_add_up(const json& summary) {
  const json& h = summary.at("heartbeats");
  INFO(h.dump());
  CHECK(h.at("sent").get<long>() > 0);
  CHECK(h.at("failed") == 0);
  CHECK(h.at("sent").get<long>() == h.at("acknowledged").get<long>() + h.at("refused").get<long>());
  CHECK(h.at("malformed_sent") == h.at("malformed_refused"));
  CHECK(h.at("refused") == h.at("malformed_refused"));
}

TEST_CASE("simulate: a fleet without collections: load, refusals, directives",
          "[devices][simulate]") {
  SpimeServer s;
  SimulatorRun run =
      run_simulator(with(base(s), {"--count", "20", "--collections", "0", "--duration", "2",
                                   "--hot-fraction", "0.2", "--low-battery-fraction", "0.2",
                                   "--bad-fraction", "0.2", "--silent-fraction", "0.1"}));
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const json summary = run.json();
  REQUIRE(summary.is_object());
  CHECK(summary.at("passed") == true);
  CHECK(summary.at("devices") == 20);
  CHECK(summary.at("setup").at("devices_created") == 20);
  CHECK(summary.at("shares") == json({{"hot", 4}, {"low_battery", 4}, {"silent", 2}}));
  require_counts_add_up(summary);
  CHECK(summary.at("heartbeats").at("malformed_sent").get<long>() > 0);
  CHECK(summary.at("load").at("latency_ms").at("p99").get<double>() > 0);

  const json answers = check(summary, "answers");
  CHECK(answers.at("state") == "passed");
  CHECK(answers.at("data").at("violation_directives").get<long>() > 0);
  CHECK(answers.at("data").at("low_battery_directives").get<long>() > 0);
  CHECK(check(summary, "malformed").at("state") == "passed");
  CHECK(check(summary, "violations").at("state") == "skipped");
  CHECK(check(summary, "silent").at("state") == "skipped");

  std::set<std::string> names = child_names(s);
  CHECK(names.count("sim-device-0001"));
  CHECK(names.count("sim-device-0020"));
  CHECK(names.size() == 20);
}

TEST_CASE("simulate: a second run reuses the picos by name", "[devices][simulate]") {
  SpimeServer s;
  const std::vector<std::string> fleet = {"--count", "12", "--collections", "0"};
  SimulatorRun first = run_simulator(with(with(base(s), fleet), {"--setup-only"}));
  INFO(first.describe());
  REQUIRE(first.exit_code == 0);
  CHECK(first.json().at("setup").at("devices_created") == 12);

  SimulatorRun second = run_simulator(with(with(base(s), fleet), {"--duration", "1"}));
  INFO(second.describe());
  REQUIRE(second.exit_code == 0);
  const json summary = second.json();
  CHECK(summary.at("setup").at("devices_created") == 0);
  CHECK(summary.at("setup").at("devices_reused") == 12);
  require_counts_add_up(summary);
  CHECK(child_names(s).size() == 12);

  // A fleet of another prototype under the same names is refused, not mixed.
  SimulatorRun other =
      run_simulator(with(with(base(s), fleet), {"--prototype", "esproto-msa", "--duration", "1"}));
  INFO(other.describe());
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("not those of the prototype esproto-msa") != std::string::npos);
}

TEST_CASE("simulate: multi-sensor arrays, paced by rate", "[devices][simulate]") {
  SpimeServer s;
  SimulatorRun run = run_simulator(with(
      base(s), {"--count", "10", "--collections", "0", "--prototype", "esproto-msa", "--rate",
                "150/s", "--duration", "2", "--hot-fraction", "0.3", "--bad-fraction", "0.1"}));
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const json summary = run.json();
  require_counts_add_up(summary);
  // Paced: about 150 a second, never more.
  const long sent = summary.at("load").at("sent").get<long>();
  CHECK(sent <= 301);
  CHECK(sent >= 150);
  CHECK(check(summary, "answers").at("state") == "passed");
}

TEST_CASE("simulate: paced by interval, silent devices speak once", "[devices][simulate]") {
  SpimeServer s;
  SimulatorRun run = run_simulator(
      with(base(s), {"--count", "10", "--collections", "0", "--interval", "1", "--duration", "2",
                     "--silent-fraction", "0.2", "--bad-fraction", "0"}));
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const json summary = run.json();
  // Two turns each in two seconds; the two silent devices let their second pass.
  const long sent = summary.at("load").at("sent").get<long>();
  CHECK(sent <= 18);
  CHECK(sent >= 16);
  CHECK(summary.at("shares").at("silent") == 2);
  CHECK(check(summary, "silent").at("state") == "skipped");
}

TEST_CASE("simulate: --setup-only --ecis-out writes each device's transducer ECI",
          "[devices][simulate]") {
  SpimeServer s;
  integration::TempDir dir;
  const std::string path = dir.path() + "/ecis.txt";
  SimulatorRun run = run_simulator(
      with(base(s), {"--count", "5", "--collections", "0", "--setup-only", "--ecis-out", path}));
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  std::ifstream in(path);
  std::vector<std::string> ecis;
  for (std::string line; std::getline(in, line);) ecis.push_back(line);
  REQUIRE(ecis.size() == 5);
  const std::string heartbeat =
      integration::read_file(std::string(SPIME_SHARED_DIR) + "/esproto/temp-hot.json");
  for (const auto& eci : ecis) {
    integration::HttpResult r = s.post("/sky/event/" + eci + "/hb/wovyn/heartbeat", heartbeat);
    INFO(r.text);
    CHECK(r.status == 200);
    CHECK(r.text.find("threshold_violation") != std::string::npos);
  }
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE("simulate: --fleet-file keeps the devices, a later run reads them from it",
          "[devices][simulate]") {
  SpimeServer s;
  integration::TempDir dir;
  const std::string path = dir.path() + "/fleet.txt";
  const std::vector<std::string> file = {"--collections", "0", "--fleet-file", path};
  SimulatorRun made = run_simulator(with(with(base(s), file), {"--count", "6", "--setup-only"}));
  INFO(made.describe());
  REQUIRE(made.exit_code == 0);
  CHECK(made.json().at("setup").at("devices_created") == 6);
  CHECK(made.json().at("setup").at("devices_from_file") == 0);
  std::vector<std::string> lines = lines_of(path);
  REQUIRE(lines.size() == 4 + 6);
  CHECK(lines[0] == "spime-fleet 1");
  CHECK(lines[1] == "owner " + s.owner_eci());

  // Fewer devices, with load, shuffled: all from the file, none asked for.
  SimulatorRun load =
      run_simulator(with(with(base(s), file), {"--count", "4", "--duration", "1", "--shuffle"}));
  INFO(load.describe());
  REQUIRE(load.exit_code == 0);
  json summary = load.json();
  CHECK(summary.at("setup").at("devices_created") == 0);
  CHECK(summary.at("setup").at("devices_from_file") == 4);
  require_counts_add_up(summary);
  CHECK(lines_of(path).size() == 4 + 6);  // nothing new: not rewritten

  // More: the six from the file, two made, the file holds eight.
  SimulatorRun more = run_simulator(with(with(base(s), file), {"--count", "8", "--setup-only"}));
  INFO(more.describe());
  REQUIRE(more.exit_code == 0);
  summary = more.json();
  CHECK(summary.at("setup").at("devices_created") == 2);
  CHECK(summary.at("setup").at("devices_from_file") == 6);
  CHECK(lines_of(path).size() == 4 + 8);
  CHECK(child_names(s).size() == 8);

  // The file of this fleet against another engine: refused, not mixed.
  SpimeServer other;
  SimulatorRun elsewhere =
      run_simulator(with(with(base(other), file), {"--count", "2", "--setup-only"}));
  INFO(elsewhere.describe());
  CHECK(elsewhere.exit_code == 1);
  CHECK(elsewhere.err.find("is the fleet of the owner") != std::string::npos);
}

TEST_CASE("simulate: collections log the violations caused, silent devices are reported",
          "[devices][simulate][collections]") {
  SpimeServer s = manual_clock_server();
  const std::vector<std::string> fleet = {
      "--count",           "20",  "--collections",  "2",   "--rate",         "200",
      "--duration",        "2",   "--hot-fraction", "0.2", "--bad-fraction", "0.1",
      "--silent-fraction", "0.1", "--clock-advance"};
  SimulatorRun run = run_simulator(with(base(s), fleet));
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  json summary = run.json();
  CHECK(summary.at("setup").at("collections_created") == 2);
  CHECK(summary.at("setup").at("memberships_added") == 20);
  require_counts_add_up(summary);
  for (const char* name : {"answers", "malformed", "violations", "silent"}) {
    INFO(name);
    CHECK(check(summary, name).at("state") == "passed");
  }
  const json violations = check(summary, "violations").at("data");
  CHECK(violations.at("logged").get<long>() > 0);
  CHECK(violations.at("logged") == violations.at("expected"));
  CHECK(check(summary, "silent").at("data").at("silent_reported") == 2);

  // Again: nothing made or joined anew; only this run's entries are counted.
  SimulatorRun again = run_simulator(with(base(s), fleet));
  INFO(again.describe());
  REQUIRE(again.exit_code == 0);
  summary = again.json();
  CHECK(summary.at("setup").at("devices_created") == 0);
  CHECK(summary.at("setup").at("collections_created") == 0);
  CHECK(summary.at("setup").at("memberships_added") == 0);
  CHECK(check(summary, "violations").at("state") == "passed");
}

TEST_CASE("simulate: the check fails when a collection misses reports",
          "[devices][simulate][collections]") {
  SpimeServer s;
  const std::vector<std::string> fleet = {"--count",        "4",   "--collections", "1",
                                          "--rate",         "100", "--duration",    "1",
                                          "--hot-fraction", "1",   "--settle",      "3"};
  SimulatorRun setup = run_simulator(with(with(base(s), fleet), {"--setup-only"}));
  INFO(setup.describe());
  REQUIRE(setup.exit_code == 0);
  // The real collection loses sim-device-0001's reports: a ruleset installed
  // beside its spimes_collection fails the event that would log them, so it
  // rolls back. The device stays a member and keeps reporting.
  const std::vector<std::string> install = {"ruleset",
                                            "install",
                                            "sim-collection-01",
                                            kSource + "/tests/devices/fixtures/drop_reports.krl",
                                            "--config",
                                            R"({"device_name": "sim-device-0001"})",
                                            "--url",
                                            s.url()};
  cli_test::Run installed = cli_test::run_spime(install);
  INFO(cli_test::describe(install, installed));
  REQUIRE(installed.exit_code == 0);

  SimulatorRun run = run_simulator(with(base(s), fleet), std::chrono::seconds(90));
  INFO(run.describe());
  CHECK(run.exit_code == 1);
  const json summary = run.json();
  REQUIRE(summary.is_object());
  CHECK(summary.at("passed") == false);
  CHECK(summary.at("setup").at("memberships_added") == 0);
  const json violations = check(summary, "violations");
  CHECK(violations.at("state") == "failed");
  CHECK(violations.at("data").at("devices_off") == 1);
  CHECK(violations.at("data").at("missing").get<long>() > 0);
  CHECK(violations.at("data").at("logged").get<long>() > 0);
  CHECK(violations.at("detail").get<std::string>().find("sim-device-0001") != std::string::npos);
  CHECK(check(summary, "answers").at("state") == "passed");
}

TEST_CASE("simulate: set-up refused when the owner cannot get the spimes ruleset",
          "[devices][simulate]") {
  SpimeServer s;
  SimulatorRun run = run_simulator(
      with(base(s), {"--count", "2", "--collections", "1", "--spimes-url",
                     "file://" + kSource + "/tests/devices/fixtures/no-such-ruleset.krl"}));
  INFO(run.describe());
  CHECK(run.exit_code == 1);
  CHECK(run.err.find("spimes") != std::string::npos);
  CHECK(run.out.empty());
}

TEST_CASE("simulate: bad usage exits 2, a non-loopback engine is refused", "[devices][simulate]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--url", "http://192.0.2.1:3000"},
                                                                {"--url", "http://example.com"},
                                                                {"--url", "ftp://127.0.0.1:3000"},
                                                                {"--count", "0"},
                                                                {"--count", "1000001"},
                                                                {"--prototype", "collection"},
                                                                {"--rate", "5", "--interval", "2"},
                                                                {"--rate", "fast"},
                                                                {"--hot-fraction", "1.5"},
                                                                {"--no-such-option"}}) {
    SimulatorRun run = run_simulator(args, std::chrono::seconds(10));
    INFO(args.front() << " " << (args.size() > 1 ? args[1] : "") << ": " << run.describe());
    CHECK(run.exit_code == 2);
    CHECK(!run.err.empty());
  }
  SimulatorRun help = run_simulator({"--help"}, std::chrono::seconds(10));
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--clock-advance") != std::string::npos);
}

TEST_CASE("simulate: no engine at the url exits 3", "[devices][simulate]") {
  const unsigned short port = integration::free_loopback_port();
  SimulatorRun run = run_simulator(
      {"--url", "http://127.0.0.1:" + std::to_string(port), "--count", "2", "--no-progress"},
      std::chrono::seconds(20));
  INFO(run.describe());
  CHECK(run.exit_code == 3);
  CHECK(run.err.find("ui-context") != std::string::npos);
}

}  // namespace
}  // namespace spime::devices_test
