// The reference's test ruleset http.krl (io.picolabs.http), unchanged, against
// a loopback server that echoes what it received as JSON {url, headers, body}
// (as the reference's own http module test does). The 1.x reference has no
// test of this ruleset: each step checks what the ruleset computes from the
// module's answers (http:get/post as actions with `setting`, inside a
// defaction, as functions in queries, and autoraise handled by its rule).
#include <catch2/catch.hpp>

#include "tests/integration/loopback_http_server.h"
#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

namespace {

void echo(const LoopbackHttpServer::Request& req, LoopbackHttpServer::Response& res) {
  json out = {{"url", req.target}, {"headers", json::object()}, {"body", req.body}};
  for (const auto& [k, v] : req.headers) out["headers"][k] = v;
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = out.dump();
}

}  // namespace

TEST_CASE("reference http.krl: the http module as its rules use it", "[reference][http]") {
  LoopbackHttpServer web(echo);
  TestEngine e({"http.krl"});
  const std::string url = web.url("");
  const std::string host = "127.0.0.1:" + std::to_string(web.port());
  const json headers_seen = {{"host", host},
                             {"user-agent", "pico-engine-core-http"},
                             {"accept", "*/*"},
                             {"connection", "close"}};

  // http_get: an action with setting(), the response kept (fmtResp drops the lengths).
  CHECK(e.signal("http_test", "get", {{"url", url}}) == json::array());
  json expected_headers = headers_seen;
  expected_headers["baz"] = "quix";
  CHECK(e.query("io.picolabs.http", "getResp") ==
        json({{"content", {{"url", "/?foo=bar"}, {"headers", expected_headers}, {"body", ""}}},
              {"content_type", "application/json"},
              {"headers", {{"connection", "close"}, {"content-type", "application/json"}}},
              {"status_code", 200},
              {"status_line", "OK"}}));

  // http_post: json with an action in it (encoded as "[Action]").
  CHECK(e.signal("http_test", "post", {{"url", url}}) ==
        json::array({dir("resp.content.body", {{"foo", "bar"}, {"baz", "[Action]"}})}));
  CHECK(web.last("/").header("content-type") == "application/json");

  // http_post_action: http:post inside a defaction (`from` is no parameter: no body).
  CHECK(e.signal("http_test", "post_action", {{"url", url}}) == json::array());
  auto msg = web.last("/msg.json");
  CHECK(msg.method == "POST");
  CHECK(msg.body.empty());
  CHECK(msg.header("content-length") == "0");

  // http_post_setting: qs and form.
  CHECK(e.signal("http_test", "post_setting", {{"url", url}}) == json::array());
  json resp = e.query("io.picolabs.http", "getResp");
  CHECK(resp.at("content").at("url") == "/?foo=bar");
  CHECK(resp.at("content").at("body") == "baz=qux");
  CHECK(resp.at("content").at("headers").at("content-type") == "application/x-www-form-urlencoded");

  // http_autorase: http:post raises http:post, which http_post_event_handler handles.
  json answer = e.signal("http_test", "autoraise", {{"url", url}});
  REQUIRE(answer.size() == 1);
  CHECK(answer[0].at("name") == "http_post_event_handler");
  json attrs = answer[0].at("options").at("attrs");
  CHECK(attrs.at("label") == "foobar");
  CHECK(attrs.at("status_code") == 200);
  CHECK(attrs.at("content").at("body") == "baz=qux");
  CHECK(e.query("io.picolabs.http", "getLastPostEvent") == attrs);

  // As functions, in queries.
  json got = e.query("io.picolabs.http", "fnGet", {{"url", url}, {"qs", {{"a", "b c"}}}});
  CHECK(json::parse(got.at("content").get<std::string>()).at("url") == "/?a=b%20c");
  // http:post is an action, not a function (as the reference).
  HttpResult refused_post = e.server.query(e.eci, "io.picolabs.http", "fnPost", {{"url", url}});
  CHECK_THAT(refused(refused_post), Catch::Contains("is not a function"));
}
