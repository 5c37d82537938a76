// Runs the fleet simulator (`spime devices simulate`) as a child process, as a user would, and collects its
// exit code, stdout and stderr. Bounded: the child is killed (SIGKILL) when
// it outlives its time, and dies with the test (PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spime::devices_test {

struct SimulatorRun {
  int exit_code = -1;  // -1: killed (timed out) or did not start
  std::string out, err;
  bool timed_out = false;
  // stdout parsed (for --json runs); discarded when it is not JSON.
  nlohmann::json json() const;
  // For failure messages.
  std::string describe() const;
};

// Runs the simulator with `args` (after the binary's own name).
SimulatorRun run_simulator(const std::vector<std::string>& args,
                           std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace spime::devices_test
