// Making a pico from a prototype is one transaction, seen from the command
// line: `spime pico new --prototype` with a prototype whose third
// initialization event fails exits 1 with the engine's error, and leaves
// no key of the pico in the store (counted by family once the engine has
// stopped).
#include <catch2/catch.hpp>

#include <string>

#include "tests/cli/cli_fixture.h"
#include "tests/cli/cli_prototypes.h"
#include "tests/integration/store_counts.h"

using namespace spime::cli_test;

TEST_CASE("pico new --prototype: a failing third initialization event leaves no key", "[cli]") {
  PrototypesFolder folder;
  CliServer s(folder.options());
  // The same three events, none failing: run in order.
  s.expect(0, {"pico", "new", "fine", "--prototype", "steps-ok"});
  CHECK(s.expect_json({"query", "fine", "spime.test.proto_steps", "steps"}) == json{1, 2, 3});
  const json tree = s.expect_json({"pico", "ls"});
  s.server.stop();
  const auto keys = spime::integration::pico_key_counts(s.server);
  s.server.start();

  struct Failing {
    const char* prototype;
    const char* error;  // what the engine says, at the end of its error
  };
  for (const Failing& f : {Failing{"steps-boom",
                                   "spime.test.proto_steps rule boom at 10:32: "
                                   "TypeError: 3 is not a function\n"},
                           Failing{"steps-refuse",
                                   "test:refuse ended in error: refusing to set "
                                   "up\n"}}) {
    INFO(f.prototype);
    Run r = s.expect(1, {"pico", "new", "doomed", "--prototype", f.prototype});
    CHECK_THAT(r.err, Catch::StartsWith("spime pico new: Error: "));
    CHECK_THAT(r.err, Catch::EndsWith(f.error));
    CHECK(r.out.empty());
    CHECK(s.expect_json({"pico", "ls"}) == tree);
  }
  s.server.stop();
  CHECK(spime::integration::pico_key_counts(s.server) == keys);
}
