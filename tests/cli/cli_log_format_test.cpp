// `spime serve --log-format json`: every line it logs is one JSON object with
// time, level and msg (and pico when the line is about one), and no line at
// info names an ECI in full. The server's stdout (its address and ECIs) stays
// plain text; everything else it writes is a log line.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSender = R"krl(
ruleset it.log.sender {
  rule send {
    select when m send
    event:send({"eci": "NoSuchEciForTheLogTest", "domain": "m", "type": "x"})
  }
}
)krl";

// What `spime serve` prints on stdout (not log lines).
bool is_stdout_line(const std::string& line) {
  return (line.rfind("spime ", 0) == 0 && line.find(" listening on ") != std::string::npos) ||
         line.rfind("owner ECI: ", 0) == 0 || line.rfind("UI ECI: ", 0) == 0 ||
         line.rfind("try: curl ", 0) == 0;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("serve --log-format json: one JSON object per line, ECIs shortened", "[cli]") {
  TempDir krl;
  ServerOptions options;
  options.extra_args = {"--log-format", "json", "--log-requests"};
  SpimeServer server(options);
  const std::string eci = new_child(server, server.owner_eci(), "sender");
  install_ruleset(server, eci, file_url(krl.write("sender.krl", kSender)), "it.log.sender");
  must_event(server, eci, "m", "send");
  // The event:send is refused after the sender's commit: its line follows.
  REQUIRE(eventually([&] { return server.output().find("event:send to") != std::string::npos; },
                     std::chrono::seconds(10)));
  server.stop();

  const std::regex time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  size_t json_lines = 0;
  bool stopped = false, request = false, refused = false;
  for (const std::string& line : lines_of(server.output())) {
    INFO(line);
    if (is_stdout_line(line)) continue;
    const json j = json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    ++json_lines;
    REQUIRE(j.contains("time"));
    REQUIRE(j.contains("level"));
    REQUIRE(j.contains("msg"));
    CHECK(std::regex_match(j["time"].get<std::string>(), time));
    const std::string level = j["level"].get<std::string>();
    CHECK((level == "info" || level == "warn" || level == "error"));
    const std::string msg = j["msg"].get<std::string>();
    // No ECI in full at info and above.
    CHECK(line.find(eci) == std::string::npos);
    CHECK(line.find(server.owner_eci()) == std::string::npos);
    CHECK(line.find("NoSuchEciForTheLogTest") == std::string::npos);
    if (msg == "spime serve: stopped") stopped = true;
    if (msg.rfind("POST /sky/event/" + eci.substr(0, 6) + "\u2026/", 0) == 0) request = true;
    if (msg.rfind("event:send to NoSuch\u2026 refused: ", 0) == 0) {
      refused = true;
      // Written while the sending pico's commit is delivered: it names that pico.
      CHECK(j.value("pico", "").size() > 0);
    }
  }
  CHECK(json_lines >= 3);
  CHECK(stopped);
  CHECK(request);
  CHECK(refused);
}

TEST_CASE("serve --log-format text: the lines as they always were", "[cli]") {
  SpimeServer server;
  server.stop();
  CHECK(server.output().find("\nspime serve: stopped\n") != std::string::npos);
}

TEST_CASE("serve: a log format or level it does not know is bad usage", "[cli]") {
  using spime::cli_test::run_spime;
  auto format = run_spime({"serve", "--log-format", "xml"});
  CHECK(format.exit_code == 2);
  CHECK(format.err.find("--log-format") != std::string::npos);
  auto level = run_spime({"serve", "--log-level", "loud"});
  CHECK(level.exit_code == 2);
  CHECK(level.err.find("--log-level") != std::string::npos);
}
