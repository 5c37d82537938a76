// `spime prototype check` with no engine to ask checks the files itself,
// against this install's rulesets/ and prototypes/ (cli/prototype_commands.cpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/cli/cli_prototypes.h"
#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"

using spime::cli_test::describe;
using spime::cli_test::kPrototypeFixtures;
using spime::cli_test::run_spime;

TEST_CASE("prototype check without an engine checks the shipped prototypes here", "[cli]") {
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(spime::integration::free_loopback_port());
  const std::string dir = SPIME_SOURCE_DIR "/prototypes/";
  std::vector<std::string> args = {"prototype", "check", "--url", nowhere};
  std::string expected;
  for (const char* name : {"collection", "esproto-device", "esproto-msa", "esproto-temp"}) {
    args.push_back(dir + name + ".yaml");
    expected += dir + name + ".yaml ok: " + name + "\n";
  }
  auto r = run_spime(args);
  INFO(describe(args, r));
  CHECK(r.exit_code == 0);
  CHECK(r.out == expected);

  // A bad file: file:line:col: message and exit 1, the others still checked.
  const std::string bad = kPrototypeFixtures + "/bad-policy.yaml";
  args = {"prototype", "check", "--url", nowhere, bad, dir + "collection.yaml"};
  r = run_spime(args);
  INFO(describe(args, r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind(bad + ":", 0) == 0);
  CHECK(r.out == dir + "collection.yaml ok: collection\n");
}
