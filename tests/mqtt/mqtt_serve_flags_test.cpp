// `spime serve`'s MQTT flags: a broker url or receive maximum it cannot use
// is a usage error (exit 2) before anything is opened.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli/run_spime.h"
#include "tests/temp_dir.h"

using spime::cli_test::describe;
using spime::cli_test::run_spime;
using spime::testing::TempDir;

TEST_CASE("mqtt flags: a bad broker url, receive maximum or sessions is refused up front",
          "[mqtt]") {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::vector<std::vector<std::string>> bad = {
      {"--mqtt", "http://127.0.0.1:1883"},
      {"--mqtt", "mqtt://user:secret@127.0.0.1:1883"},
      {"--mqtt", "mqtt://127.0.0.1:0"},
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-receive-maximum", "0"},
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-receive-maximum", "33"},
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-receive-maximum", "32"},  // x 8 sessions
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-sessions", "0"},
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-sessions", "33"},
      {"--mqtt", "mqtt://127.0.0.1:1883", "--mqtt-sessions", "4", "--mqtt-receive-maximum", "9"},
  };
  for (const auto& flags : bad) {
    std::vector<std::string> args{"serve", "--port", "0", "--data", data};
    args.insert(args.end(), flags.begin(), flags.end());
    auto r = run_spime(args);
    INFO(describe(args, r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("mqtt") != std::string::npos);
    CHECK(!std::filesystem::exists(data));  // nothing was opened
  }
}
