// scripts/crash-cycles.sh, short: 3 kill -9 cycles (A, B, A) of two real
// engines under the fleet simulator's load (6 devices, a local collection
// on A, a collection on B reached through A's outbox). Every heartbeat the
// simulator's ledger says was acknowledged must be in its device's readings
// once, and its violations in each collection once; nothing else. The
// 20-cycle run is the script's (RELIABILITY.md).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include "tests/spime_binary.h"

namespace {

// Runs `command` through the shell (bounded by coreutils' timeout); its
// stdout and stderr, and its exit code (-1 when it did not exit).
int run(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) *output += buf.data();
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("crash cycles: 3 kill -9 of A and B under load lose and duplicate nothing",
          "[faults][crash]") {
  const std::string command = std::string("cd '") + SPIME_SOURCE_DIR + "' && SPIME_BIN='" +
                              spime::test::spime_binary() +
                              "' DEVICES=6 RATE=40 HOT=0.5 SETTLE=10 timeout -s TERM 240 "
                              "bash scripts/crash-cycles.sh 3";
  std::string output;
  const int code = run(command, &output);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("cycle 3/3: kill -9 A") != std::string::npos);
  CHECK(output.find("cycle 2/3: kill -9 B") != std::string::npos);
  const auto final_line = output.find("FINAL acknowledged ");
  REQUIRE(final_line != std::string::npos);
  // Some heartbeats were acknowledged, and none lost or duplicated.
  CHECK(output.find("FINAL acknowledged 0,") == std::string::npos);
  CHECK(output.find(", lost 0, duplicated 0, never sent 0;", final_line) != std::string::npos);
  CHECK(output.find("logged once") != std::string::npos);
}
