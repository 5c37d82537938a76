// Where rulesets may be read from, over HTTP against a real `spime serve`:
// a file that is not KRL is never echoed, file:// urls are absolute, roots
// confine them (the same refusal whether or not the file exists), and
// /api/flush recompiles only registered urls, for the owner only.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kTinyRuleset =
    "ruleset tiny.source {\n  meta { shares hello }\n"
    "  global { hello = function() { \"hi\" } }\n}\n";

// wrangler:install_ruleset_request of `url` on the owner's pico; the answer.
HttpResult install_raw(const SpimeServer& s, const std::string& url) {
  return s.event(s.owner_eci(), "wrangler", "install_ruleset_request", {{"url", url}});
}

std::string error_of(const HttpResult& r) {
  INFO(describe(r));
  CHECK(r.status >= 400);
  REQUIRE(r.body.is_object());
  REQUIRE(r.body.contains("error"));
  return r.body.at("error").get<std::string>();
}

// The error text with `url` taken out: what it says of the file itself.
std::string without(std::string text, const std::string& url) {
  for (auto at = text.find(url); at != std::string::npos; at = text.find(url))
    text.erase(at, url.size());
  return text;
}

HttpResult flush(const SpimeServer& s, const std::string& url, const std::string& eci) {
  std::string target = "/api/flush?url=" + url_encode(url);
  if (!eci.empty()) target += "&eci=" + url_encode(eci);
  return s.get(target);
}

}  // namespace

TEST_CASE("a file that is not KRL is refused and none of it is shown", "[sources]") {
  SpimeServer s;
  TempDir dir;
  const std::string secret = dir.write("secret.txt", "root:x:0:0:the first line\nsecond\n");
  const std::string before = s.query(s.owner_eci(), kWrangler, "installedRIDs").text;
  for (const std::string& url :
       {file_url(secret), std::string("file:///etc/passwd"), std::string("file:///etc/hostname")}) {
    INFO(url);
    std::string error = error_of(install_raw(s, url));
    CHECK_THAT(error, Catch::Matchers::Contains("not a KRL ruleset"));
    CHECK_THAT(error, !Catch::Matchers::Contains("root:x"));
    CHECK_THAT(error, !Catch::Matchers::Contains("first line"));
  }
  // A file that begins as KRL and fails later says where, as a compiler does.
  const std::string broken = dir.write("broken.krl", "ruleset broken {\n  global { x = }\n}\n");
  CHECK_THAT(error_of(install_raw(s, file_url(broken))),
             Catch::Matchers::Contains("broken.krl:2:"));
  // Nothing changed.
  CHECK(s.query(s.owner_eci(), kWrangler, "installedRIDs").text == before);
}

TEST_CASE("a relative file url is refused, not resolved against the working directory",
          "[sources]") {
  SpimeServer s;
  std::string error = error_of(install_raw(s, "file://../../etc/hostname"));
  CHECK_THAT(error, Catch::Matchers::Contains("absolute path"));
}

TEST_CASE("/api/flush: registered urls only, for the owner only", "[sources]") {
  SpimeServer s;
  TempDir dir;
  const std::string url = file_url(dir.write("tiny.krl", kTinyRuleset));
  // Nothing registered from there yet: refused even for the owner, and the
  // file is not read (it would otherwise register).
  HttpResult r = flush(s, url, s.owner_eci());
  CHECK(r.status == 404);
  r = flush(s, "file:///etc/passwd", s.owner_eci());
  CHECK(r.status == 404);
  CHECK(r.text.find("root:x") == std::string::npos);
  // Without an ECI, or with one that is not the owner's (the public UI ECI).
  CHECK(flush(s, "file:///etc/passwd", "").status == 403);
  install_ruleset(s, s.owner_eci(), url, "tiny.source");
  CHECK(flush(s, url, "").status == 403);
  json ui = json::parse(s.get("/api/ui-context").text);
  CHECK(flush(s, url, ui.at("eci").get<std::string>()).status == 403);
  // The owner flushes what is registered.
  r = flush(s, url, s.owner_eci());
  INFO(describe(r));
  CHECK(r.status == 200);
  CHECK(r.body.at("rid") == "tiny.source");
  CHECK(r.body.at("url") == url);
}

TEST_CASE("with roots, file urls outside them are refused alike, present or not", "[sources]") {
  TempDir root, outside;
  const std::string inside_url = file_url(root.write("tiny.krl", kTinyRuleset));
  const std::string outside_file = outside.write("other.krl", kTinyRuleset);
  std::filesystem::create_symlink(outside_file, root.path() + "/link.krl");
  ServerOptions options;
  options.extra_args = {"--ruleset-root", root.path()};
  SpimeServer s(options);

  // Outside: an existing KRL file, an existing non-KRL file, a missing file,
  // a folder, a "..", and a symbolic link out of the root: one refusal.
  const std::vector<std::string> urls = {
      file_url(outside_file),
      "file:///etc/passwd",
      "file:///no/such/file.krl",
      "file://" + outside.path(),
      "file://" + root.path() + "/../" +
          std::filesystem::path(outside_file).parent_path().filename().string() + "/other.krl",
      file_url(root.path() + "/link.krl"),
  };
  std::string first;
  for (const auto& url : urls) {
    INFO(url);
    std::string said = without(error_of(install_raw(s, url)), url);
    CHECK_THAT(said, Catch::Matchers::Contains("outside the folders rulesets may be read from"));
    if (first.empty()) first = said;
    CHECK(said == first);
  }
  // Inside the root, and the shipped rulesets folder, are fine.
  install_ruleset(s, s.owner_eci(), inside_url, "tiny.source");
  install_ruleset(s, s.owner_eci(), shipped_ruleset_url("esproto_device"), "esproto_device");
}
