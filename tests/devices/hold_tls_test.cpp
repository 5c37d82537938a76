// `spime devices hold` against a real `spime serve` over https (issue 21
// §5): with --cafile naming the test CA (and the owner's token from
// --token-file) every connection shakes hands and every heartbeat is
// answered 200; an engine whose certificate does not verify (no --cafile: the
// system's CAs; or another CA) fails with the handshake's reason and exit 1,
// and so does every held connection (HeldConnections itself, as the probe
// fails the CLI first). A --cafile that cannot be read or is not PEM is bad
// usage. Certificates come from tests/integration/test_certs.h.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "devices/hold_connections.h"
#include "tests/cli/run_spime.h"
#include "tests/devices/hold_run.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/test_certs.h"

namespace spime::devices_test {
namespace {

using integration::json;
using integration::ServerOptions;
using integration::SpimeServer;
using integration::TempDir;
using integration::TestCerts;
using std::chrono::milliseconds;

constexpr const char* kToken = "hold-tls-owner-token-0123456789abcdef";

ServerOptions tls_options(const TestCerts& certs, const std::string& token = "") {
  ServerOptions o;
  o.tls_cert = certs.cert();
  o.tls_key = certs.key();
  o.cafile = certs.ca();
  o.owner_token = token;
  return o;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("hold over https: --cafile verifies the engine, every heartbeat answered",
          "[devices][hold]") {
  TestCerts certs;
  SpimeServer s(tls_options(certs, kToken));
  REQUIRE(s.url().rfind("https://", 0) == 0);
  TempDir dir;
  const std::string token_file = dir.write("token", std::string(kToken) + "\n");
  const std::string ecis = dir.path() + "/ecis.txt";
  const std::vector<std::string> setup = {
      "devices",      "simulate",   "--url",        s.url(),        "--cafile",      certs.ca(),
      "--count",      "5",          "--token-file", token_file,     "--collections", "0",
      "--setup-only", "--ecis-out", ecis,           "--no-progress"};
  cli_test::Run made = cli_test::run_spime(setup, {}, std::chrono::seconds(30));
  INFO(cli_test::describe(setup, made));
  REQUIRE(made.exit_code == 0);

  HoldRun run =
      run_hold({"--url", s.url(), "--cafile", certs.ca(), "--token-file", token_file, "--ecis",
                ecis, "--connections", "20", "--interval", "0.5", "--duration", "2", "--json"});
  INFO(run.describe());
  REQUIRE(run.exit_code == 0);
  const json summary = run.summary();
  REQUIRE(summary.is_object());
  CHECK(summary.at("passed") == true);
  const json& c = summary.at("connection");
  CHECK(c.at("attempted") == 20);
  CHECK(c.at("established") == 20);
  CHECK(c.at("failed") == 0);
  CHECK(c.at("closed_by_server") == 0);
  CHECK(c.at("open_at_end") == 20);
  const json& h = summary.at("heartbeats");
  // About 20 connections * 2 s / 0.5 s.
  CHECK(h.at("sent").get<long>() >= 60);
  CHECK(h.at("acknowledged") == h.at("sent"));
  CHECK(h.at("by_status") == json({{"200", h.at("sent")}}));
  CHECK_FALSE(summary.contains("first_error"));

  // The owner's token is what lets the first call (the prototype) through.
  HoldRun anonymous = run_hold({"--url", s.url(), "--cafile", certs.ca(), "--ecis", ecis,
                                "--connections", "1", "--duration", "1"});
  INFO(anonymous.describe());
  CHECK(anonymous.exit_code == 1);
  CHECK(has(anonymous.err, "401"));
}

TEST_CASE("hold over https: an engine that does not verify fails with the handshake's reason",
          "[devices][hold]") {
  TestCerts certs;
  SpimeServer s(tls_options(certs));
  TempDir dir;
  const std::string ecis = dir.write("ecis.txt", "AAAAAAAAAAAAAAAAAAAAAAAA\n");

  // The command: no --cafile (the system's CAs), or another CA.
  for (const std::vector<std::string>& cafile :
       {std::vector<std::string>{}, std::vector<std::string>{"--cafile", certs.wrong_ca()}}) {
    std::vector<std::string> args = {"--url", s.url(), "--ecis", ecis, "--duration", "1"};
    args.insert(args.end(), cafile.begin(), cafile.end());
    HoldRun run = run_hold(args);
    INFO(run.describe());
    CHECK(run.exit_code == 1);
    CHECK(has(run.err, "TLS handshake"));
    CHECK(has(run.err, "certificate verify failed"));
  }

  // The connections themselves: each one fails, none established, the reason kept.
  devices::HoldPlan plan;
  plan.connections = 5;
  plan.duration = 0.5;
  plan.request_timeout = milliseconds(5000);
  plan.cafile = certs.wrong_ca();
  devices::LiveCounters live;
  devices::HeldConnections held(
      s.client_url(), {"/sky/event/ECI1/heartbeat/wovyn/heartbeat"}, [](int) { return "{}"; }, plan,
      &live);
  REQUIRE(held.start().empty());
  CHECK(held.wait_ramped(milliseconds(10'000)));
  CHECK(held.wait_held(milliseconds(10'000)));
  const devices::HoldFigures f = held.finish();
  CHECK(f.attempted == 5);
  CHECK(f.established == 0);
  CHECK(f.connect_failed == 5);
  CHECK(f.handshake_failed == 5);
  CHECK(f.open_at_end == 0);
  CHECK(live.sent.load() == 0);
  INFO(f.first_error);
  CHECK(has(f.first_error, "TLS handshake"));
  CHECK(has(f.first_error, "certificate verify failed"));
  // The server goes on serving.
  CHECK(s.get("/api/ui-context").status == 200);
}

TEST_CASE("hold over https: a --cafile that cannot be read or is not PEM is bad usage",
          "[devices][hold]") {
  TempDir dir;
  const std::string ecis = dir.write("ecis.txt", "AAAAAAAAAAAAAAAAAAAAAAAA\n");
  const std::string url = "https://127.0.0.1:" + std::to_string(integration::free_loopback_port());

  HoldRun missing = run_hold({"--url", url, "--ecis", ecis, "--cafile", dir.path() + "/none.pem"});
  INFO(missing.describe());
  CHECK(missing.exit_code == 2);
  CHECK(has(missing.err, "--cafile " + dir.path() + "/none.pem: cannot read it"));

  HoldRun not_pem =
      run_hold({"--url", url, "--ecis", ecis, "--cafile", dir.write("ca.pem", "not a cert\n")});
  INFO(not_pem.describe());
  CHECK(not_pem.exit_code == 2);
  CHECK(has(not_pem.err, "--cafile: cannot load the CA file"));

  HoldRun no_token = run_hold({"--url", url, "--ecis", ecis, "--token-file", dir.path() + "/none"});
  INFO(no_token.describe());
  CHECK(no_token.exit_code == 2);
  CHECK(has(no_token.err, "--token-file"));
}

}  // namespace spime::devices_test
