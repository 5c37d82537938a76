// The tools' client reads https URLs (channels/client/http_client.h) and
// takes its credentials from files or $SPIME_TOKEN (credentials.h).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "channels/client/credentials.h"
#include "channels/client/http_client.h"
#include "tests/temp_dir.h"

using namespace spime::client;

TEST_CASE("client: https urls", "[edge]") {
  Url u;
  std::string error;
  REQUIRE(parse_url("https://engine.example:8443/base/", &u, &error));
  CHECK(u.tls);
  CHECK((u.host == "engine.example" && u.port == 8443 && u.base == "/base"));
  CHECK(u.to_string() == "https://engine.example:8443/base");
  CHECK(u.host_header() == "engine.example:8443");
  REQUIRE(parse_url("HTTPS://[::1]", &u, &error));
  CHECK((u.tls && u.port == 443 && u.host_header() == "[::1]"));
  REQUIRE(parse_url("http://h", &u, &error));
  CHECK((!u.tls && u.port == 80 && u.host_header() == "h"));
}

TEST_CASE("client: credentials from files and the environment", "[edge]") {
  spime::testing::TempDir dir;
  const std::string token = dir.write("token", "the-token-0123456789\r\nsecond line\n");
  Options o;
  std::string error;
  REQUIRE(apply_credentials("", token, &o, &error));
  CHECK(o.bearer_token == "the-token-0123456789");
  CHECK(o.cafile.empty());
  CHECK_FALSE(apply_credentials(dir.path() + "/no-ca.pem", "", &o, &error));
  CHECK_THAT(error, Catch::Contains("--cafile"));
  CHECK_FALSE(apply_credentials("", dir.path() + "/no-token", &o, &error));
  CHECK_THAT(error, Catch::Contains("--token-file"));
  ::setenv(kTokenEnvironment, "from-the-environment", 1);
  Options e;
  REQUIRE(apply_credentials("", "", &e, &error));
  CHECK(e.bearer_token == "from-the-environment");
  ::unsetenv(kTokenEnvironment);
}
