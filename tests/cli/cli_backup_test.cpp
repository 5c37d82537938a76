// `spime backup DIR` (cli/backup_command.h) against a real engine: the copy
// serves the same picos, a refusal (the path exists) exits 1 with the
// engine's reason, and no engine at --url exits 3.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "tests/cli/cli_fixture.h"

using namespace spime::cli_test;
using spime::integration::ServerOptions;
using spime::integration::SpimeServer;
using spime::integration::TempDir;

TEST_CASE("spime backup: a copy that serves the same picos, refusals exit 1", "[cli]") {
  CliServer engine;
  TempDir backups;
  engine.expect(0, {"pico", "new", "kitchen"});

  const std::string copy = backups.path() + "/copy";
  Run made = engine.expect(0, {"backup", copy});
  CHECK_THAT(made.out, Catch::Contains(copy + ": sequence "));
  CHECK(std::filesystem::is_directory(copy));

  Run again = engine.expect(1, {"backup", copy});
  CHECK_THAT(again.err, Catch::Contains("already exists"));

  // --json: the engine's answer.
  json answer = engine.expect_json({"backup", backups.path() + "/second"});
  CHECK(answer.at("dir") == backups.path() + "/second");
  CHECK(answer.at("sequence").get<double>() > 0);

  // The copy serves the same picos.
  ServerOptions on_copy;
  on_copy.extra_args = {"--data", copy};
  CliServer restored(on_copy);
  CHECK(restored.server.owner_eci() == engine.server.owner_eci());
  json picos = restored.expect_json({"pico", "ls"});
  CHECK(picos.dump().find("kitchen") != std::string::npos);

  // No engine there.
  Run nobody = run_spime({"backup", copy + "-3", "--url", "http://127.0.0.1:1"});
  CHECK(nobody.exit_code == 3);
}
