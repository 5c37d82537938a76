// ECIs are capabilities (issue 21 §5): a server's info-level output names
// none in full, after requests that succeed, fail and are refused on a
// known ECI, with one log line per request (--log-requests) in both log
// formats. The startup lines that hand the operator the owner's ECI on
// stdout ("owner ECI: ...", "UI ECI: ...", "try: curl ...") are the one
// place it is printed, on purpose.
#include <catch2/catch.hpp>

#include <sstream>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kFailing = R"krl(
ruleset it.failing {
  meta { shares boom }
  global {
    one = 1
    boom = function() { one() }
  }
  rule fail { select when t fail  pre { x = one() } }
  rule ok { select when t log  send_directive("ok") }
}
)krl";

// The lines of `output` that are not the startup lines meant for the operator.
std::vector<std::string> log_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("owner ECI: ", 0) == 0 || line.rfind("UI ECI: ", 0) == 0 ||
        line.rfind("try: curl ", 0) == 0)
      continue;
    lines.push_back(line);
  }
  return lines;
}

void exercise(const SpimeServer& server, const std::string& eci, TempDir& krl) {
  install_ruleset(server, eci, file_url(krl.write("it.failing.krl", kFailing)), "it.failing");
  must_event(server, eci, "t", "log");
  server.event(eci, "t", "fail");
  server.query(eci, "it.failing", "boom");
  server.query(eci, "it.nothing", "nope");
  server.get("/c/" + eci + "/query/it.failing/boom");
  server.get("/c/" + eci + "/event/t/nothing");
  server.get("/c/" + eci + "/event-wait/t/fail");
  server.get("/c/" + eci + "/stream?lastEventId=x");
  server.get("/sky/cloud/" + eci + "x/it.failing/boom");  // an unknown ECI that names this one
}

}  // namespace

TEST_CASE("logs: no full ECI at info level", "[edge]") {
  for (const char* format : {"text", "json"}) {
    INFO(format);
    ServerOptions o;
    o.extra_args = {"--log-requests", "--log-format", format, "--log-level", "info"};
    SpimeServer server(o);
    TempDir krl;
    const std::string child = new_child(server, server.owner_eci(), "logged");
    exercise(server, child, krl);
    exercise(server, server.owner_eci(), krl);
    server.stop();
    const auto lines = log_lines(server.output());
    CHECK(lines.size() > 10);  // the request lines were written
    for (const std::string& line : lines) {
      INFO(line);
      CHECK(line.find(child) == std::string::npos);
      CHECK(line.find(server.owner_eci()) == std::string::npos);
    }
  }
}
