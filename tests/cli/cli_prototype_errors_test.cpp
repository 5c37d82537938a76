// Bad prototypes from the command line: `spime prototype check` says each
// kind of mistake as `file:line:col: message` naming the key, and exits 1;
// an engine leaves such files out at start, and `spime pico new
// --prototype` with a name that did not load exits 1 and creates nothing
// (the pico tree as before, and not one key more in the store).
#include <catch2/catch.hpp>

#include <string>

#include "tests/cli/cli_fixture.h"
#include "tests/cli/cli_prototypes.h"
#include "tests/integration/store_counts.h"

using namespace spime::cli_test;

TEST_CASE("prototype check: each kind of bad prototype, file:line:col naming the key", "[cli]") {
  PrototypesFolder folder;
  CliServer s(folder.options());
  for (const BadPrototype& bad : kBadPrototypes) {
    if (bad.name.rfind("cycle-", 0) == 0) continue;  // below: a check sees only loaded ones
    const std::string file = kPrototypeFixtures + "/" + bad.name + ".yaml";
    Run r = s.expect(1, {"prototype", "check", file});
    CHECK_THAT(r.err, Catch::StartsWith(file + ":" + bad.at_and_why));
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
    CHECK(r.out.empty());
  }
  // KRL's own error follows the url of a ruleset that does not compile.
  CHECK_THAT(
      s.expect(1, {"prototype", "check", kPrototypeFixtures + "/uncompilable-ruleset.yaml"}).err,
      Catch::Contains("/uncompilable.krl:4:3: Expected an event expression"));
  // A cycle through the loaded prototypes: the shipped base edited to extend
  // its own child.
  const std::string edited = fixture("check/esproto-device.yaml");
  CHECK(s.expect(1, {"prototype", "check", edited}).err ==
        edited + ":4:10: extends: a cycle: esproto-device -> esproto-temp -> esproto-device\n");
  // Several files: each one's problem, the good ones ok, exit 1.
  const std::string good = kPrototypeFixtures + "/hall-3.yaml";
  const std::string wrong = kPrototypeFixtures + "/wrong-type.yaml";
  Run r = s.expect(1, {"prototype", "check", wrong, good, edited});
  CHECK(r.out == good + " ok: hall-3\n");
  CHECK_THAT(r.err, Catch::StartsWith(wrong + ":4:11: "));
  CHECK_THAT(r.err, Catch::Contains("\n" + edited + ":4:10: "));
  CHECK(s.expect(0, {"prototype", "check", good}).out == good + " ok: hall-3\n");
}

TEST_CASE("pico new with a prototype that failed to load exits 1 and creates nothing", "[cli]") {
  PrototypesFolder folder;
  CliServer s(folder.options());
  // The engine said why at start, and loaded the others.
  for (const BadPrototype& bad : kBadPrototypes) {
    CHECK_THAT(s.server.output(), Catch::Contains("prototype error: " + folder.path() + "/" +
                                                  bad.name + ".yaml:" + bad.at_and_why));
  }
  json loaded = s.expect_json({"prototype", "ls"}).at("prototypes");
  std::vector<std::string> names;
  for (const auto& p : loaded) names.push_back(p.at("name"));
  CHECK(names == std::vector<std::string>{"collection", "esproto-device", "esproto-msa",
                                          "esproto-temp", "hall-3", "steps-boom", "steps-ok",
                                          "steps-refuse"});

  s.expect(0, {"pico", "new", "hall", "--prototype", "collection"});
  const json tree = s.expect_json({"pico", "ls"});
  s.server.stop();
  const auto keys = spime::integration::pico_key_counts(s.server);
  s.server.start();

  for (const BadPrototype& bad : kBadPrototypes) {
    Run r = s.expect(1, {"pico", "new", "doomed", "--prototype", bad.name});
    CHECK(r.err == "spime pico new: prototype '" + bad.name + "': Error: unknown prototype " +
                       bad.name + "\n");
    CHECK(r.out.empty());
    CHECK(s.expect(1, {"pico", "new", "doomed", "--prototype", bad.name, "--parent", "hall"})
              .exit_code == 1);
    // The engine refuses it too, asked without the command line's look first.
    const json attrs = {{"name", "doomed"}, {"prototype", bad.name}};
    r = s.expect(1, {"event", "Pico", "wrangler:new_child_request", "--attrs", attrs.dump()});
    CHECK_THAT(r.err, Catch::Contains("unknown prototype " + bad.name));
  }
  CHECK(s.expect_json({"pico", "ls"}) == tree);
  s.server.stop();
  CHECK(spime::integration::pico_key_counts(s.server) == keys);
}
