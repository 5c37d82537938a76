// `spime serve` beyond loopback (issue 21 §5): no start without TLS and an
// owner token unless --insecure. Each refusal comes before anything listens,
// so no socket beyond loopback is ever opened by these tests.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/cli/run_spime.h"
#include "tests/temp_dir.h"

namespace {
const std::string kToken = "spime-test-owner-token-0123456789abcdef";
using spime::testing::TempDir;
}  // namespace

TEST_CASE("exposure: beyond loopback needs TLS and a token, or --insecure", "[edge]") {
  TempDir dir;
  auto bare_host = spime::cli_test::run_spime(
      {"serve", "--host", "0.0.0.0", "--port", "0", "--data", dir.path() + "/d"});
  CHECK(bare_host.exit_code == 2);
  CHECK_THAT(bare_host.err, Catch::Contains("beyond loopback") && Catch::Contains("--insecure"));
  const std::string token = dir.write("token", kToken + "\n");
  ::chmod(token.c_str(), 0600);
  auto token_only = spime::cli_test::run_spime({"serve", "--host", "::", "--port", "0", "--data",
                                                dir.path() + "/d", "--owner-token-file", token});
  CHECK(token_only.exit_code == 2);
  CHECK_THAT(token_only.err, Catch::Contains("--tls-cert"));
  auto half = spime::cli_test::run_spime(
      {"serve", "--port", "0", "--data", dir.path() + "/d", "--tls-cert", token});
  CHECK(half.exit_code == 2);
  CHECK_THAT(half.err, Catch::Contains("go together"));
}
