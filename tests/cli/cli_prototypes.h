// The prototypes of the command line's tests: an engine loads the shipped
// prototypes (prototypes/*.yaml) and those of tests/cli/fixtures/prototypes/
// from one --prototypes folder, a copy of both; a `rulesets` link beside it
// keeps the shipped ones' relative schema path (../rulesets/schemas/...).
//
// The fixtures that load: hall-3 (a collection whose logs keep 3 entries),
// steps-ok, steps-boom and steps-refuse (three initialization events that
// proto_steps.krl records in order; the third of steps-boom is a rule error,
// of steps-refuse an `error error`). Those left out at start, one kind of
// mistake each: kBadPrototypes below.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli/cli_fixture.h"
#include "tests/temp_dir.h"

namespace spime::cli_test {

inline const std::string kPrototypeFixtures = SPIME_SOURCE_DIR "/tests/cli/fixtures/prototypes";

// A fixture prototype the engine refuses, and where and why:
// "<line>:<col>: <message>", after the file's name.
struct BadPrototype {
  std::string name;
  std::string at_and_why;
};

inline const std::vector<BadPrototype> kBadPrototypes = {
    {"unknown-key",
     "2:1: unknown key \"chanels\" (expected name, description, extends, config, channels, "
     "rulesets, initialization, subscriptions, protocols, mqtt)"},
    {"duplicate-key", "3:1: duplicate key \"description\" (also at line 2)"},
    {"wrong-type", "4:11: channels[0].tags: expected a list, not a string"},
    {"missing-ruleset", "4:10: rulesets[1].rid: no ruleset \"esproto_nowhere\" is registered"},
    {"uncompilable-ruleset", "3:10: rulesets[0].url: file://"},  // the url, then KRL's error
    {"bad-policy",
     "4:19: channels[0].event_policy: EventPolicyRule expects {domain: string, name: string}"},
    {"bad-schema", "4:19: channels[0].attrs_schema: Type name should be a string."},
    {"unknown-extends", "2:10: extends: unknown prototype \"esproto-thermostat\""},
    {"cycle-a", "2:10: extends: a cycle: cycle-a -> cycle-b -> cycle-a"},
    {"cycle-b", "2:10: extends: a cycle: cycle-b -> cycle-a -> cycle-b"},
};

// The folder (see above), removed with the object.
class PrototypesFolder {
 public:
  PrototypesFolder() {
    namespace fs = std::filesystem;
    fs::create_directory(path());
    for (const std::string from : {SPIME_SOURCE_DIR "/prototypes", kPrototypeFixtures.c_str()}) {
      for (const auto& f : fs::directory_iterator(from)) {
        fs::copy_file(f.path(), path() + "/" + f.path().filename().string());
      }
    }
    fs::create_directory_symlink(SPIME_SOURCE_DIR "/rulesets", root_.path() + "/rulesets");
  }

  std::string path() const { return root_.path() + "/prototypes"; }

  // Options of an engine that loads them, with `extra` arguments.
  integration::ServerOptions options(const std::vector<std::string>& extra = {}) const {
    integration::ServerOptions o;
    o.extra_args = {"--prototypes", path()};
    o.extra_args.insert(o.extra_args.end(), extra.begin(), extra.end());
    return o;
  }

 private:
  spime::testing::TempDir root_;
};

}  // namespace spime::cli_test
