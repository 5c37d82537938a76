// What the command line's tests against a real engine share: a `spime serve`
// on a free loopback port (integration/server_fixture.h) and `spime` runs
// pointed at it with --url; heartbeats posted as a sensor posts them.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::cli_test {

using Args = std::vector<std::string>;
using nlohmann::json;

// The test ruleset (tests/cli/fixtures/cli_echo.krl) and its rid.
inline const std::string kEchoFile = SPIME_SOURCE_DIR "/tests/cli/fixtures/cli_echo.krl";
inline const std::string kEchoRid = "spime.test.cli_echo";

// A file of tests/cli/fixtures/.
inline std::string fixture(const std::string& name) {
  return SPIME_SOURCE_DIR "/tests/cli/fixtures/" + name;
}

// The bytes of an ESProto heartbeat of the shared payloads (shared/esproto/).
inline std::string esproto_payload(const std::string& file) {
  return integration::read_file(SPIME_SHARED_DIR "/esproto/" + file);
}

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

  // POSTs `body` to `url`, a full URL of this engine (the heartbeat URL
  // `spime pico new` prints), as a sensor does.
  integration::HttpResult post_to(const std::string& url, const std::string& body) const {
    INFO("url " << url << ", engine " << server.url());
    REQUIRE(url.rfind(server.url() + "/", 0) == 0);
    return server.post(url.substr(server.url().size()), body);
  }

  // `spime collection add COLLECTION MEMBER [extra...]` (REQUIREs exit 0),
  // then waits (at most 10 s) until the member's side is established: no
  // subscription request of its own left pending (`spime query MEMBER
  // io.picolabs.subscription outbound`).
  void join(const std::string& collection, const std::string& member, Args extra = {}) const {
    Args add = {"collection", "add", collection, member};
    add.insert(add.end(), extra.begin(), extra.end());
    Run r = run(add);
    INFO(describe(add, r));
    REQUIRE(r.exit_code == 0);
    INFO("waiting for the subscriptions of " << member);
    REQUIRE(integration::eventually(
        [&] {
          return expect_json({"query", member, "io.picolabs.subscription", "outbound"}).empty();
        },
        std::chrono::seconds(10)));
  }

  // Posts shared/esproto/<file> to a heartbeat URL; REQUIREs 200 and
  // answers the names of the answer's directives.
  std::vector<std::string> heartbeat(const std::string& url, const std::string& file) const {
    integration::HttpResult r = post_to(url, esproto_payload(file));
    INFO("heartbeat " << file << " -> " << integration::describe(r));
    REQUIRE(r.status == 200);
    return integration::directive_names(r.body);
  }
};

}  // namespace spime::cli_test
