// What the command line's tests against a real engine share: a `spime serve`
// on a free loopback port (integration/server_fixture.h) and `spime` runs
// pointed at it with --url.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"

namespace spime::cli_test {

using Args = std::vector<std::string>;
using nlohmann::json;

// The test ruleset (tests/cli/fixtures/cli_echo.krl) and its rid.
inline const std::string kEchoFile = SPIME_SOURCE_DIR "/tests/cli/fixtures/cli_echo.krl";
inline const std::string kEchoRid = "spime.test.cli_echo";

struct CliServer {
  CliServer() = default;
  explicit CliServer(integration::ServerOptions options) : server(std::move(options)) {}

  integration::SpimeServer server;

  // `spime <args> --url <the server>`.
  Run run(Args args) const {
    args.push_back("--url");
    args.push_back(server.url());
    return run_spime(args);
  }

  // As run(), and CHECKs the exit code.
  Run expect(int code, const Args& args) const {
    Run r = run(args);
    INFO(describe(args, r));
    CHECK(r.exit_code == code);
    return r;
  }

  // As expect(0, args + --json), and parses stdout (REQUIREs JSON).
  json expect_json(Args args) const {
    args.push_back("--json");
    Run r = run(args);
    INFO(describe(args, r));
    REQUIRE(r.exit_code == 0);
    json parsed = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    REQUIRE(!parsed.is_discarded());
    return parsed;
  }
};

}  // namespace spime::cli_test
