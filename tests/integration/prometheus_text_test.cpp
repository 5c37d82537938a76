// The strict exposition-format reader that the /metrics tests rely on
// (prometheus_text.h): it must accept the format and refuse what is not.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tests/integration/prometheus_text.h"

using namespace spime::integration;

namespace {

bool parses(const std::string& text, std::string* error = nullptr) {
  PromText out;
  std::string why;
  bool ok = parse_prometheus_text(text, &out, &why);
  if (error) *error = why;
  return ok;
}

}  // namespace

TEST_CASE("prometheus text: a valid exposition reads back", "[prometheus]") {
  const std::string text =
      "# a comment\n"
      "# HELP x_total Things that \\\\ happened.\\nTwice.\n"
      "# TYPE x_total counter\n"
      "x_total{kind=\"a\\\"b\",code=\"200\"} 3\n"
      "x_total{kind=\"c\",} 4 1700000000000\n"
      "\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"0.5\"} 1\n"
      "h_bucket{le=\"1\"} 2\n"
      "h_bucket{le=\"+Inf\"} 2\n"
      "h_sum 1.25e0\n"
      "h_count 2\n"
      "  g   NaN  \n"
      "up -Inf\n";
  PromText out;
  std::string error;
  REQUIRE(parse_prometheus_text(text, &out, &error));
  CHECK(error.empty());
  REQUIRE(out.families.size() == 4);
  CHECK(out.family("x_total")->type == "counter");
  CHECK(out.family("x_total")->help == "Things that \\ happened.\nTwice.");
  CHECK(out.value("x_total", {{"kind", "a\"b"}}) == 3);
  CHECK(out.value("x_total", {{"kind", "c"}}) == 4);
  CHECK(out.value("h_sum") == 1.25);
  CHECK(std::isnan(out.value("g")));
  CHECK(out.family("g")->type == "untyped");
  CHECK(check_histograms(out, &error));
}

TEST_CASE("prometheus text: what is not the format is refused", "[prometheus]") {
  std::string error;
  CHECK_FALSE(parses("x 1", &error));  // no final newline
  CHECK_FALSE(parses("x\n"));          // no value
  CHECK_FALSE(parses("x one\n"));
  CHECK_FALSE(parses("x 1 2 3\n"));
  CHECK_FALSE(parses("x 1 1.5\n"));  // timestamps are integers
  CHECK_FALSE(parses("1x 1\n"));
  CHECK_FALSE(parses("x{1a=\"v\"} 1\n"));
  CHECK_FALSE(parses("x{a=v} 1\n"));
  CHECK_FALSE(parses("x{a=\"v} 1\n"));
  CHECK_FALSE(parses("x{a=\"\\t\"} 1\n"));  // only \\ \" \n
  CHECK_FALSE(parses("x{a=\"1\",a=\"2\"} 1\n"));
  CHECK_FALSE(parses("x{a=\"1\"}1\n"));
  CHECK_FALSE(parses("x inf\n"));
  CHECK_FALSE(parses("x 1\r\n"));
  CHECK_FALSE(parses("x 1\nx 2\n"));                // the same sample twice
  CHECK_FALSE(parses("x 1\ny 1\nx{a=\"b\"} 2\n"));  // a family comes back
  CHECK_FALSE(parses("x 1\n# TYPE x gauge\n"));     // TYPE after samples
  CHECK_FALSE(parses("# TYPE x gauge\n# TYPE x gauge\n"));
  CHECK_FALSE(parses("# TYPE x meter\n"));
  CHECK_FALSE(parses("# HELP x a\\tb\n"));
  CHECK_FALSE(parses("# TYPE h histogram\nh_bucket 1\n"));  // a bucket needs le
  CHECK_FALSE(parses("# TYPE c counter\nc_total 1\nc 1\nc_total 2\n"));
}

TEST_CASE("prometheus text: histograms keep their promises", "[prometheus]") {
  auto histogram_ok = [](const std::string& samples) {
    PromText out;
    std::string error;
    REQUIRE(parse_prometheus_text("# TYPE h histogram\n" + samples, &out, &error));
    return check_histograms(out, &error);
  };
  CHECK(histogram_ok("h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n"));
  // Not cumulative.
  CHECK_FALSE(histogram_ok("h_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 4\nh_count 1\n"));
  // +Inf differs from _count.
  CHECK_FALSE(histogram_ok("h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 4\nh_count 3\n"));
  // No +Inf bucket.
  CHECK_FALSE(histogram_ok("h_bucket{le=\"1\"} 1\nh_sum 4\nh_count 1\n"));
  // No _sum.
  CHECK_FALSE(histogram_ok("h_bucket{le=\"+Inf\"} 1\nh_count 1\n"));
  // Bounds out of order.
  CHECK_FALSE(histogram_ok(
      "h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"));
}
