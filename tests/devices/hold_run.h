// Runs `spime devices hold` for the hold tests: its output, exit code and
// parsed JSON summary. Call from the test's thread only.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/integration/server_fixture.h"

namespace spime::devices_test {

struct HoldRun : cli_test::Run {
  std::vector<std::string> args;
  integration::json summary() const {
    return integration::json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  std::string describe() const { return cli_test::describe(args, *this); }
};

// `spime devices hold --no-progress ARGS...`, stopped after `limit`.
inline HoldRun run_hold(const std::vector<std::string>& args,
                        std::chrono::seconds limit = std::chrono::seconds(60)) {
  HoldRun run;
  run.args = {"devices", "hold", "--no-progress"};
  run.args.insert(run.args.end(), args.begin(), args.end());
  static_cast<cli_test::Run&>(run) = cli_test::run_spime(run.args, {}, limit);
  return run;
}

}  // namespace spime::devices_test
