// The reference's test of chevron.krl (<< >> strings with #{} beesting), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference chevron.krl: chevron strings interpolate", "[reference]") {
  TestEngine e({"chevron.krl"});
  // step 1: the shared chevron string, line endings normalised as the reference does
  json d = e.query("io.picolabs.chevron", "d");
  REQUIRE(d.is_string());
  std::string text = d.get<std::string>();
  std::string normalised;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      normalised += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      normalised += text[i];
    }
  }
  CHECK(normalised == "\n            hi 1 + 2 = 3\n            <h1>some<b>html</b></h1>\n        ");
}
