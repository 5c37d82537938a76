// The dashboard in headless Chromium against the real `spime serve`:
// tests/browser/dashboard_test.mjs (puppeteer-core, pinned by
// tests/browser/package-lock.json) loads the page, makes a collection and a
// device from prototypes through it, posts heartbeats and waits for the
// violation and the plot; screenshots land in <build>/screenshots/dashboard/.
// Without node, chromium or the npm packages the test fails and says what
// to install (scripts/install-browser.sh installs all three).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/integration/server_fixture.h"

using namespace spime::integration;

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through the shell; its exit status and what it printed
// (stdout and stderr).
int run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string chromium() {
  const char* env = std::getenv("CHROMIUM");
  return env && *env ? env : "/usr/bin/chromium";
}

}  // namespace

TEST_CASE("dashboard in headless Chromium: a device made from the page, its violation and plot",
          "[browser]") {
  const std::string source = SPIME_SOURCE_DIR;
  const std::string install = " (run scripts/install-browser.sh)";
  std::string ignored;
  if (run("command -v node", &ignored) != 0)
    FAIL("node is missing: apt-get install nodejs" + install);
  if (!exists(chromium())) FAIL(chromium() + " is missing: apt-get install chromium" + install);
  if (!exists(source + "/tests/browser/node_modules/puppeteer-core/package.json"))
    FAIL("puppeteer-core is missing: cd tests/browser && npm ci" + install);

  const std::string shots = std::string(SPIME_SCREENSHOT_DIR) + "/dashboard";
  // What the script saves, one per step; removed first, so that only this run's count.
  const char* const kShots[] = {
      "1-overview", "2-collection-made", "3-device-added", "4-violations-and-plot",
      "5-channels", "6-subscriptions",   "7-testing",      "8-device",
      "9-logs"};
  for (const char* name : kShots) std::remove((shots + "/" + name + ".png").c_str());

  SpimeServer server;
  const std::string command = "timeout -k 5 180 node " +
                              shell_quote(source + "/tests/browser/dashboard_test.mjs") + " " +
                              shell_quote(server.url()) + " " + shell_quote(shots) + " " +
                              shell_quote(std::string(SPIME_SHARED_DIR) + "/esproto");
  std::string output;
  const int status = run(command, &output);
  INFO("dashboard_test.mjs said:\n" << output);
  INFO("the server said:\n" << server.output());
  REQUIRE(status == 0);
  CHECK_THAT(output, Catch::Contains("no page errors"));
  for (const char* name : kShots) {
    const std::string file = shots + "/" + name + ".png";
    INFO(file);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK(st.st_size > 1000);
  }
}

TEST_CASE("dashboard: the real server serves it at / on loopback, the API as before", "[browser]") {
  SpimeServer server;
  HttpResult page = server.get("/");
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(page.text, Catch::Contains("/dashboard/app.js"));
  const std::string etag = page.header("ETag");
  CHECK(!etag.empty());
  HttpResult again =
      http_request(server.port(), "GET", "/", "", "", kHttpTimeout, {{"If-None-Match", etag}});
  CHECK(again.status == 304);
  HttpResult uplot = server.get("/dashboard/vendor/uplot/uPlot.iife.min.js");
  CHECK(uplot.status == 200);
  CHECK(uplot.text.size() > 40000);
  CHECK(server.get("/dashboard/missing.js").status == 404);
  CHECK(server.post("/", "{}").status == 405);
  CHECK(server.get("/api/ui-context").status == 200);
}
