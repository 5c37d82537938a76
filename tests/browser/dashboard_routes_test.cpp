// The dashboard's routes (channels/dashboard_routes.h) and its embedded
// files (channels/dashboard_assets.h), without a server: what is served,
// its headers, and the refusals.
#include <catch2/catch.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "channels/dashboard_assets.h"
#include "channels/dashboard_routes.h"

using spime::channels::dashboard_asset;
using spime::channels::dashboard_response;
using spime::channels::kEmbeddedDashboardFileCount;
using spime::channels::kEmbeddedDashboardFiles;
using spime::channels::Request;
using spime::channels::Response;

namespace {

std::optional<Response> ask(std::string_view method, std::string_view target, bool loopback = true,
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request r;
  r.method = method;
  r.target = target;
  r.headers = std::move(headers);
  r.from_loopback = loopback;
  return dashboard_response(r);
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

std::string source_file(const std::string& path) {
  std::ifstream in(std::string(SPIME_SOURCE_DIR) + "/channels/dashboard/" + path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("dashboard: GET / is the page, with its ETag and no-cache", "[dashboard]") {
  auto r = ask("GET", "/");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->content_type == "text/html; charset=utf-8");
  CHECK_THAT(r->body, Catch::Contains("<title>spime</title>"));
  CHECK(r->body == source_file("index.html"));
  CHECK(header(*r, "ETag") == std::string(dashboard_asset("index.html")->etag));
  CHECK(header(*r, "Cache-Control") == "no-cache");
  // A query string does not change what is served.
  auto q = ask("GET", "/?x=1");
  REQUIRE(q);
  CHECK(q->body == r->body);
}

TEST_CASE("dashboard: every embedded file is served as it is in the source tree", "[dashboard]") {
  REQUIRE(kEmbeddedDashboardFileCount >= 8);
  bool uplot = false;
  for (std::size_t i = 0; i < kEmbeddedDashboardFileCount; ++i) {
    const std::string path = kEmbeddedDashboardFiles[i].path;
    INFO(path);
    auto r = ask("GET", "/dashboard/" + path);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == source_file(path));
    CHECK(r->body.size() == kEmbeddedDashboardFiles[i].size);
    const std::string etag = header(*r, "ETag");
    CHECK(etag.size() == 18);  // 16 hex digits, quoted
    if (path == "vendor/uplot/uPlot.iife.min.js") {
      uplot = true;
      CHECK(r->content_type == "text/javascript; charset=utf-8");
    }
  }
  CHECK(uplot);
  CHECK(ask("GET", "/dashboard/vendor/uplot/LICENSE")->content_type == "text/plain; charset=utf-8");
  CHECK(ask("GET", "/dashboard/dashboard.css")->content_type == "text/css; charset=utf-8");
}

TEST_CASE("dashboard: If-None-Match with the ETag is a 304 without a body", "[dashboard]") {
  const std::string etag(dashboard_asset("app.js")->etag);
  auto r = ask("GET", "/dashboard/app.js", true, {{"If-None-Match", etag}});
  REQUIRE(r);
  CHECK(r->status == 304);
  CHECK(r->body.empty());
  CHECK(header(*r, "ETag") == etag);
  auto listed = ask("GET", "/dashboard/app.js", true, {{"if-none-match", "\"x\", W/" + etag}});
  CHECK(listed->status == 304);
  auto other = ask("GET", "/dashboard/app.js", true, {{"If-None-Match", "\"0000000000000000\""}});
  CHECK(other->status == 200);
  CHECK(!other->body.empty());
}

TEST_CASE("dashboard: refusals are JSON errors", "[dashboard]") {
  auto remote = ask("GET", "/", false);
  REQUIRE(remote);
  CHECK(remote->status == 403);
  CHECK_THAT(remote->body, Catch::Contains("\"error\"") && Catch::Contains("loopback"));
  CHECK(ask("GET", "/dashboard/app.js", false)->status == 403);

  auto post = ask("POST", "/");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(header(*post, "Allow") == "GET");
  CHECK_THAT(post->body, Catch::Contains("\"error\""));

  auto unknown = ask("GET", "/dashboard/nothing.js");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(unknown->content_type == "application/json; charset=utf-8");
  CHECK_THAT(unknown->body, Catch::Contains("Cannot GET /dashboard/nothing.js"));
  // Nothing outside the embedded files, whatever the path says.
  CHECK(ask("GET", "/dashboard/../CMakeLists.txt")->status == 404);
  CHECK(ask("GET", "/dashboard/embed.cmake")->status == 404);
  CHECK(ask("GET", "/dashboard/vendor/uplot/README.md")->status == 404);
}

TEST_CASE("dashboard: other paths are left to the route table", "[dashboard]") {
  CHECK_FALSE(ask("GET", "/api/ui-context"));
  CHECK_FALSE(ask("POST", "/sky/event/e/none/d/t"));
  CHECK_FALSE(ask("GET", "/dashboardx"));
  CHECK_FALSE(ask("GET", "/c/eci/query/rid/name"));
}
