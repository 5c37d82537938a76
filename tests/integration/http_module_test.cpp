// The KRL http module end to end: a real `spime serve`, a test ruleset
// installed over HTTP, and a loopback Beast server in the test that records
// what it receives and answers what each test says. Also: picos that use
// http run on the I/O pool, so with one CAF thread a slow http:get on one
// pico does not hold up another pico.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "tests/integration/loopback_http_server.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;
namespace http = boost::beast::http;

namespace {

const char* kHttpRuleset = R"krl(
ruleset it.http {
  meta {
    shares fetch, raised
  }
  global {
    fetch = function(url, qs) { http:get(url, qs, parseJSON = true) }
    raised = function() { ent:raised.defaultsTo([]) }
  }
  rule get {
    select when t get
    pre {
      resp = http:get(event:attr("url"), qs = event:attr("qs"), headers = event:attr("headers"),
                      parseJSON = event:attr("parseJSON"))
    }
    send_directive("resp", resp)
  }
  rule post {
    select when t post
    every {
      http:post(event:attr("url"), body = event:attr("body"), json = event:attr("json"),
                form = event:attr("form"), auth = event:attr("auth"),
                headers = event:attr("headers"), autoraise = event:attr("label"),
                parseJSON = event:attr("parseJSON")) setting(resp)
      send_directive("resp", resp)
    }
  }
  rule verbs {
    select when t verb
    every {
      http:put(event:attr("url") + "/put", body = "p") setting(put)
      http:patch(event:attr("url") + "/patch", json = {"a": 1}) setting(patch)
      http:delete(event:attr("url") + "/delete") setting(del)
      http:head(event:attr("url") + "/head") setting(head)
      send_directive("verbs", {"put": put, "patch": patch, "delete": del, "head": head})
    }
  }
  rule got_http_post {
    select when http post
    always {
      ent:raised := raised().append(event:attrs)
    }
  }
}
)krl";

// A pico without http: counts events; and asks another pico's function (ctx:query).
const char* kPlainRuleset = R"krl(
ruleset it.plain {
  meta {
    shares bumps, ask
  }
  global {
    bumps = function() { ent:count.defaultsTo(0) }
    ask = function(eci, url) { ctx:query(eci, "it.http", "fetch", {"url": url}) }
  }
  rule bump {
    select when t bump
    always {
      ent:count := bumps() + 1
    }
  }
}
)krl";

// The test server's answers, by path.
void answer(const LoopbackHttpServer::Request& req, LoopbackHttpServer::Response& res) {
  std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/slow") {
    std::this_thread::sleep_for(std::chrono::seconds(2));
  } else if (path == "/hang") {
    std::this_thread::sleep_for(std::chrono::milliseconds(10500));
  }
  if (path == "/big") {
    res.body() = std::string(1024 * 1024 + 1, 'x');
  } else if (path == "/missing") {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "text/plain");
    res.body() = "no such thing";
  } else if (path == "/teapot") {
    res.result(418);
    res.reason("Short And Stout");
  } else if (path == "/text") {
    res.body() = "this is not json";
  } else if (path == "/redir") {
    res.result(http::status::found);
    res.set(http::field::location, "/text");
  } else {
    // An echo of what arrived, as JSON.
    json echo = {{"method", req.method}, {"url", req.target}, {"body", req.body}};
    for (const auto& [k, v] : req.headers) echo["headers"][k] = v;
    res.set(http::field::content_type, "application/json");
    res.set("da-extra-header", "wat?");
    res.body() = echo.dump();
  }
}

struct Fixture {
  TempDir krl;
  LoopbackHttpServer web{answer};
  SpimeServer server;
  std::string pico;
  explicit Fixture(ServerOptions options = {}) : server(std::move(options)) {
    pico = new_child(server, server.owner_eci(), "http");
    install_ruleset(server, pico, file_url(krl.write("it.http.krl", kHttpRuleset)), "it.http");
  }
  // The options of the event's one directive.
  json resp(const std::string& type, const json& attrs) {
    json answer = must_event(server, pico, "t", type, attrs);
    REQUIRE(answer.at("directives").size() == 1);
    return answer.at("directives")[0].at("options");
  }
  HttpResult failed(const std::string& url) {
    HttpResult r = server.event(pico, "t", "get", {{"url", url}});
    CHECK(r.status == 500);
    return r;
  }
};

// A loopback port nobody listens on.
unsigned short closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

}  // namespace

TEST_CASE("http:get sends qs and headers and answers the response map", "[integration][http]") {
  Fixture f;
  json r = f.resp("get", {{"url", f.web.url("/echo")},
                          {"qs", {{"a", 1}, {"b", {"x", "y z"}}, {"c", {{"d", "é&"}}}}},
                          {"headers", {{"X-Some", "header"}}}});
  auto seen = f.web.last("/echo");
  CHECK(seen.method == "GET");
  CHECK(seen.target == "/echo?a=1&b%5B0%5D=x&b%5B1%5D=y%20z&c%5Bd%5D=%C3%A9%26");
  CHECK(seen.header("x-some") == "header");
  CHECK(seen.header("user-agent") == "pico-engine-core-http");
  CHECK(seen.header("accept") == "*/*");
  CHECK(seen.header("content-length").empty());

  CHECK(r.at("status_code") == 200);
  CHECK(r.at("status_line") == "OK");
  CHECK(r.at("content_type") == "application/json");
  REQUIRE(r.at("content").is_string());  // parseJSON not asked
  json content = json::parse(r.at("content").get<std::string>());
  CHECK(content.at("url") == seen.target);
  CHECK(r.at("content_length") == r.at("content").get<std::string>().size());
  CHECK(r.at("headers").at("da-extra-header") == "wat?");
  CHECK(r.at("headers").at("content-type") == "application/json");
  CHECK(r.at("headers").at("connection") == "close");

  // parseJSON; a content that is not JSON stays a string; a missing Content-Type is null.
  r = f.resp("get", {{"url", f.web.url("/echo")}, {"parseJSON", true}});
  CHECK(r.at("content").at("method") == "GET");
  r = f.resp("get", {{"url", f.web.url("/text")}, {"parseJSON", true}});
  CHECK(r.at("content") == "this is not json");
  CHECK(r.at("content_type").is_null());

  // As a function, in a query answered over HTTP.
  json q = must_query(f.server, f.pico, "it.http", "fetch",
                      {{"url", f.web.url("/echo")}, {"qs", {{"q", "1"}}}});
  CHECK(q.at("content").at("url") == "/echo?q=1");

  // Redirects are followed.
  r = f.resp("get", {{"url", f.web.url("/redir")}});
  CHECK(r.at("content") == "this is not json");
}

TEST_CASE("http:post with body, json, form and auth", "[integration][http]") {
  Fixture f;
  // body wins over json and form; Basic auth.
  json r = f.resp("post", {{"url", f.web.url("/echo")},
                           {"body", "some post data"},
                           {"json", {{"ignored", true}}},
                           {"form", {{"ignored", true}}},
                           {"auth", {{"username", "bob"}, {"password", "nopass"}}},
                           {"headers", {{"some", "header"}}},
                           {"parseJSON", true}});
  json c = r.at("content");
  CHECK(c.at("method") == "POST");
  CHECK(c.at("body") == "some post data");
  CHECK(c.at("headers").at("content-type") == "text/plain;charset=UTF-8");
  CHECK(c.at("headers").at("content-length") == "14");
  CHECK(c.at("headers").at("authorization") == "Basic Ym9iOm5vcGFzcw==");
  CHECK(c.at("headers").at("some") == "header");

  // (nlohmann::json sends the attributes' keys in alphabetical order.)
  r = f.resp("post", {{"url", f.web.url("/echo")},
                      {"form", {{"formkey", "formval"}, {"foo", {"bar", "baz"}}}},
                      {"parseJSON", true}});
  c = r.at("content");
  CHECK(c.at("body") == "foo%5B0%5D=bar&foo%5B1%5D=baz&formkey=formval");
  CHECK(c.at("headers").at("content-type") == "application/x-www-form-urlencoded");

  r = f.resp("post", {{"url", f.web.url("/echo")},
                      {"json", {{"formkey", "formval"}, {"foo", {"bar", "baz"}}}},
                      {"headers", {{"Content-Type", "application/vnd.test+json"}}},
                      {"parseJSON", true}});
  c = r.at("content");
  CHECK(c.at("body") == R"({"foo":["bar","baz"],"formkey":"formval"})");
  CHECK(c.at("headers").at("content-type") == "application/vnd.test+json");

  // Nothing to send: Content-Length 0, as fetch.
  r = f.resp("post", {{"url", f.web.url("/echo")}, {"parseJSON", true}});
  CHECK(r.at("content").at("headers").at("content-length") == "0");

  // The other verbs.
  json v = f.resp("verb", {{"url", f.web.url("")}});
  CHECK(f.web.last("/put").method == "PUT");
  CHECK(f.web.last("/put").body == "p");
  CHECK(f.web.last("/patch").method == "PATCH");
  CHECK(f.web.last("/patch").body == R"({"a":1})");
  CHECK(f.web.last("/delete").method == "DELETE");
  CHECK(f.web.last("/head").method == "HEAD");
  CHECK(v.at("head").at("status_code") == 200);
  CHECK(v.at("head").at("content") == "");
  CHECK(v.at("delete").at("status_code") == 200);
}

TEST_CASE("http:post autoraise raises http:post with the response and the label",
          "[integration][http]") {
  Fixture f;
  f.resp("post", {{"url", f.web.url("/echo")}, {"json", {{"n", 1}}}, {"label", "first"}});
  json raised = must_query(f.server, f.pico, "it.http", "raised");
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].at("label") == "first");
  CHECK(raised[0].at("status_code") == 200);
  CHECK(raised[0].at("status_line") == "OK");
  CHECK(raised[0].at("content_type") == "application/json");
  CHECK(raised[0].at("headers").at("da-extra-header") == "wat?");
  CHECK(json::parse(raised[0].at("content").get<std::string>()).at("body") == R"({"n":1})");

  // No label, no event.
  f.resp("post", {{"url", f.web.url("/echo")}});
  CHECK(must_query(f.server, f.pico, "it.http", "raised").size() == 1);
}

TEST_CASE("http: statuses are answers — transport problems are errors", "[integration][http]") {
  Fixture f;
  json r = f.resp("get", {{"url", f.web.url("/missing")}});
  CHECK(r.at("status_code") == 404);
  CHECK(r.at("status_line") == "Not Found");
  CHECK(r.at("content") == "no such thing");
  r = f.resp("get", {{"url", f.web.url("/teapot")}});
  CHECK(r.at("status_code") == 418);
  CHECK(r.at("status_line") == "Short And Stout");

  HttpResult e = f.failed(f.web.url("/big"));
  CHECK_THAT(e.text, Catch::Contains("http:get " + f.web.url("/big") +
                                     ": response larger than 1048576 bytes"));
  e = f.failed("ftp://127.0.0.1/file");
  CHECK_THAT(e.text, Catch::Contains("http:get ftp://127.0.0.1/file: unsupported url scheme ftp"));
  std::string closed = "http://127.0.0.1:" + std::to_string(closed_port()) + "/x";
  e = f.failed(closed);
  CHECK_THAT(e.text, Catch::Contains("http:get " + closed + ": cannot connect to 127.0.0.1:"));
  e = f.failed("");
  CHECK_THAT(e.text, Catch::Contains("http:get needs a url string"));
  HttpResult bad = f.server.event(f.pico, "t", "get", {{"url", {{"one", 1}}}});
  CHECK(bad.status == 500);
  CHECK_THAT(bad.text, Catch::Contains("http:get was given [Map] instead of a url string"));
  bad = f.server.event(f.pico, "t", "get",
                       {{"url", f.web.url("/echo")}, {"headers", {{"x", "a\r\nInjected: 1"}}}});
  CHECK(bad.status == 500);
  CHECK_THAT(bad.text, Catch::Contains("is not legal"));

  // The server answers after 10.5 s; the call gives up at the 10 s default.
  auto start = std::chrono::steady_clock::now();
  e = http_request(f.server.port(), "POST", "/sky/event/" + f.pico + "/none/t/get",
                   json{{"url", f.web.url("/hang")}}.dump(), "application/json",
                   std::chrono::seconds(20));
  CHECK(e.status == 500);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK_THAT(e.text,
             Catch::Contains("http:get " + f.web.url("/hang") + ": timed out after 10000 ms"));
  CHECK(took >= std::chrono::milliseconds(9500));
  CHECK(took < std::chrono::milliseconds(10400));
}

TEST_CASE("http: a slow call on one pico does not hold up another pico on one CAF thread",
          "[integration][http]") {
  ServerOptions options;
  options.extra_args = {"--threads", "1"};
  Fixture f(options);
  std::string plain = new_child(f.server, f.server.owner_eci(), "plain");
  install_ruleset(f.server, plain, file_url(f.krl.write("it.plain.krl", kPlainRuleset)),
                  "it.plain");

  auto start = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] {
    return f.server.event(f.pico, "t", "get", {{"url", f.web.url("/slow")}});
  });
  // Once the slow request has reached the test server, pico A is waiting for it.
  eventually([&] { return !f.web.last("/slow").method.empty(); }, std::chrono::seconds(5));
  REQUIRE(!f.web.last("/slow").method.empty());

  auto before = std::chrono::steady_clock::now();
  HttpResult bumped =
      f.server.post_json("/c/" + plain + "/event/t/bump/query/it.plain/bumps", json::object());
  auto b_took = std::chrono::steady_clock::now() - before;
  CHECK(bumped.status == 200);
  CHECK(bumped.text == "1");
  CHECK(b_took < std::chrono::milliseconds(700));

  HttpResult a = slow.get();
  CHECK(a.status == 200);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(2));
  // B answered while A was still waiting.
  CHECK(before + b_took < start + std::chrono::seconds(2));

  // A pico without http that queries an http function of another pico on a CAF thread: the
  // call is refused there (it never blocks the thread) and the query runs again on the I/O
  // pool, so the client sees one answer; the caller stays on the pool from then on.
  json args = {{"eci", f.pico}, {"url", f.web.url("/echo")}};
  json asked = must_query(f.server, plain, "it.plain", "ask", args);
  CHECK(asked.at("status_code") == 200);
  json again = must_query(f.server, plain, "it.plain", "ask", args);
  CHECK(again.at("status_code") == 200);
}
