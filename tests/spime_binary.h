// The `spime` binary the tests run as a child process.
//
// $SPIME_TEST_BINARY when set: scripts/test-sanitizers.sh points it at a
// sanitizer build's binary, so the same test executables drive a server
// built with ASan+UBSan. Otherwise the binary of this build tree
// (SPIME_BINARY, set by tests/CMakeLists.txt).
//
// Thread-safety: reads the environment; call it from the test's threads only.
#pragma once

#include <cstdlib>
#include <string>

namespace spime::test {

inline std::string spime_binary() {
  const char* chosen = std::getenv("SPIME_TEST_BINARY");
  return chosen && *chosen ? std::string(chosen) : std::string(SPIME_BINARY);
}

}  // namespace spime::test
