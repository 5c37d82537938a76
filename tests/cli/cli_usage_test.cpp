// The spime command line without an engine: --help on every command, bad
// usage (exit 2, CLI11's parse errors included) and an engine that is not
// there (exit 3, with what to do).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"

using spime::cli_test::describe;
using spime::cli_test::Run;
using spime::cli_test::run_spime;
using Args = std::vector<std::string>;

namespace {

// Every command, as the words that name it, and whether it talks to an
// engine (then it takes --url and --json).
struct Command {
  Args words;
  bool client;
};
const std::vector<Command> kCommands = {
    {{"serve"}, false},
    {{"krl"}, false},
    {{"krl", "check"}, false},
    {{"krl", "eval"}, false},
    {{"krl", "run"}, false},
    {{"krl", "bench"}, false},
    {{"krl", "bench", "parse"}, false},
    {{"krl", "bench", "eval"}, false},
    {{"pico"}, false},
    {{"pico", "new"}, true},
    {{"pico", "ls"}, true},
    {{"pico", "show"}, true},
    {{"pico", "rm"}, true},
    {{"event"}, true},
    {{"query"}, true},
    {{"ruleset"}, false},
    {{"ruleset", "ls"}, true},
    {{"ruleset", "flush"}, true},
    {{"ruleset", "install"}, true},
    {{"prototype"}, false},
    {{"prototype", "ls"}, true},
    {{"prototype", "show"}, true},
    {{"prototype", "check"}, true},
    {{"collection"}, false},
    {{"collection", "new"}, true},
    {{"collection", "add"}, true},
    {{"collection", "rm"}, true},
    {{"collection", "ls"}, true},
    {{"status"}, true},
    {{"violations"}, true},
    {{"battery"}, true},
    {{"device"}, false},
    {{"device", "set"}, true},
};

std::string joined(const Args& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

Run expect(int code, const Args& args, const Args& env = {}) {
  Run r = run_spime(args, env);
  INFO(describe(args, r));
  CHECK(r.exit_code == code);
  return r;
}

}  // namespace

TEST_CASE("spime --help lists every command", "[cli]") {
  Run r = expect(0, {"--help"});
  for (const char* name : {"serve", "krl", "pico", "event", "query", "ruleset", "prototype",
                           "collection", "status", "violations", "battery", "device"}) {
    CHECK_THAT(r.out, Catch::Contains(std::string("\n  ") + name + " "));
  }
  CHECK_THAT(r.out, Catch::Contains("Exit codes: 0 ok; 1 refused by the engine"));
  CHECK(r.err.empty());
  CHECK(expect(0, {"help"}).out == r.out);
}

TEST_CASE("every command answers --help", "[cli]") {
  for (const Command& c : kCommands) {
    Args args = c.words;
    args.push_back("--help");
    Run r = expect(0, args);
    INFO(describe(args, r));
    CHECK_THAT(r.out, Catch::Contains("Usage: spime " + joined(c.words)));
    CHECK(r.err.empty());
    if (c.client) {
      CHECK_THAT(r.out, Catch::Contains("--url URL=http://127.0.0.1:3000 (Env:SPIME_URL)"));
      CHECK_THAT(r.out, Catch::Contains("--json"));
    }
  }
}

TEST_CASE("bad usage exits 2", "[cli]") {
  CHECK_THAT(expect(2, {}).err, Catch::StartsWith("spime: a command is required\n\n"));
  CHECK_THAT(expect(2, {"frobnicate"}).err,
             Catch::StartsWith("The following argument was not expected: frobnicate"));
  Run r = expect(2, {"pico"});
  CHECK_THAT(r.err, Catch::StartsWith("spime pico: a command is required\n"));
  CHECK_THAT(r.err, Catch::Contains("Usage: spime pico [OPTIONS] [SUBCOMMAND]"));
  CHECK_THAT(expect(2, {"pico", "frob"}).err, Catch::Contains("not expected: frob"));
  CHECK_THAT(expect(2, {"pico", "new"}).err, Catch::Contains("name is required"));
  CHECK_THAT(expect(2, {"pico", "ls", "--bogus"}).err, Catch::Contains("--bogus"));
  CHECK_THAT(expect(2, {"serve", "--port", "70000"}).err,
             Catch::Contains("--port: must be a whole number in 0..65535"));
  CHECK_THAT(expect(2, {"serve", "--threads", "0"}).err, Catch::Contains("--threads"));
  // A flag that takes no value, given one (CLI11 would have thrown past its
  // errors: found by the cli_args fuzzer).
  CHECK_THAT(expect(2, {"serve", "--no-sync=abc"}).err,
             Catch::Contains("no-sync was given a disallowed flag override"));
  CHECK_THAT(expect(2, {"serve", "--no-verify-store=*2on"}).err,
             Catch::Contains("no-verify-store was given a disallowed flag override"));
  CHECK_THAT(expect(2, {"serve", "--public-url", "ftp://h"}).err, Catch::Contains("--public-url"));
  CHECK_THAT(expect(2, {"cluster", "init", "--etcd", "http://127.0.0.1:9", "--nodes", "a,a"}).err,
             Catch::Contains("node 'a' is named twice"));
  CHECK_THAT(expect(2, {"krl", "check"}).err, Catch::Contains("files is required"));
  CHECK_THAT(expect(2, {"krl", "bench", "parse", "--rules", "0"}).err, Catch::Contains("--rules"));
  CHECK_THAT(expect(2, {"krl", "run", "x.krl"}).err, Catch::Contains("--event is required"));
  CHECK_THAT(expect(2, {"krl", "run", "x.krl", "--event", "nocolon"}).err,
             Catch::Contains("--event must be DOMAIN:TYPE"));
  // Malformed arguments are refused before any engine is asked (none runs here).
  CHECK_THAT(expect(2, {"event", "p", "nocolon"}).err,
             Catch::Contains("the event type must be DOMAIN:TYPE (got 'nocolon')"));
  CHECK_THAT(expect(2, {"event", "p", "a:b", "--attrs", "[1]"}).err,
             Catch::Contains("--attrs must be a JSON object"));
  CHECK_THAT(expect(2, {"event", "p", "a:b", "--attrs", "@/no/such/file"}).err,
             Catch::Contains("/no/such/file"));
  CHECK_THAT(expect(2, {"query", "p", "rid", "f", "novalue"}).err,
             Catch::Contains("expected KEY=VALUE, got 'novalue'"));
  CHECK_THAT(expect(2, {"device", "set", "d"}).err, Catch::Contains("settings is required"));
  CHECK_THAT(expect(2, {"device", "set", "d", "=1"}).err, Catch::Contains("KEY=VALUE"));
  CHECK_THAT(expect(2, {"violations", "c", "--limit", "0"}).err, Catch::Contains("--limit"));
  CHECK_THAT(expect(2, {"ruleset", "install", "p", "u", "--config", "7"}).err,
             Catch::Contains("--config must be a JSON object"));
  CHECK_THAT(expect(2, {"pico", "ls", "--url", "ftp://h"}).err,
             Catch::Contains("--url: the url must start with http://"));
  CHECK_THAT(expect(2, {"pico", "ls"}, {"SPIME_URL=http://h:99999"}).err,
             Catch::Contains("bad port '99999'"));
}

TEST_CASE("nothing listening: exit 3, and what to do", "[cli]") {
  const unsigned short port = spime::integration::free_loopback_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::string said = "cannot reach the engine at " + url +
                           ": connection refused (is `spime serve` running? set --url or "
                           "SPIME_URL)";
  Run r = expect(3, {"pico", "ls", "--url", url});
  CHECK(r.err == "spime pico ls: " + said + "\n");
  CHECK(r.out.empty());
  r = expect(3, {"query", "some-eci", "a.rid", "f"}, {"SPIME_URL=" + url});
  CHECK(r.err == "spime query: " + said + "\n");
  expect(3, {"event", "p", "a:b", "--url", url + "/"});
  expect(3, {"violations", "c", "--url", url});
  expect(3, {"prototype", "ls", "--url", url});
}
