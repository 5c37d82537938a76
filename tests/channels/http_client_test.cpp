// spime::client (channels/client/http_client.h): the url parser, and the
// client's promises against a real server: errors as values, a deadline for
// the whole exchange, one reconnect after the server closed an idle
// connection, the body cap and the base path.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "channels/client/http_client.h"
#include "channels/http_server.h"
#include "test_engine.h"

using spime::client::HttpClient;
using spime::client::Response;
using spime::client::Url;

namespace {

Url parsed(const std::string& text) {
  Url url;
  std::string error;
  INFO(text);
  REQUIRE(spime::client::parse_url(text, &url, &error));
  return url;
}

std::string refusal(const std::string& text) {
  Url url;
  std::string error;
  CHECK_FALSE(spime::client::parse_url(text, &url, &error));
  return error;
}

struct Server {
  explicit Server(spime::channels::HttpServerOptions options = {})
      : server(engine, std::move(options)) {
    auto p = server.start();
    REQUIRE(p);
    port = *p;
  }
  spime::channels::testing::TestEngine engine;
  spime::channels::HttpServer server;
  unsigned short port = 0;
};

}  // namespace

TEST_CASE("parse_url reads http://HOST[:PORT][/BASE]", "[client]") {
  Url u = parsed("http://127.0.0.1:3000");
  CHECK((u.host == "127.0.0.1" && u.port == 3000 && u.base.empty()));
  u = parsed("http://localhost:3000/");
  CHECK((u.host == "localhost" && u.base.empty()));
  u = parsed("http://[::1]:8080/pico/engine/");
  CHECK((u.host == "::1" && u.port == 8080 && u.base == "/pico/engine"));
  CHECK(u.to_string() == "http://[::1]:8080/pico/engine");
  u = parsed("http://engine.example.org");
  CHECK((u.host == "engine.example.org" && u.port == 80));
  CHECK(u.to_string() == "http://engine.example.org:80");

  CHECK_THAT(refusal("ftp://h:1"), Catch::Contains("http://"));
  CHECK_THAT(refusal("127.0.0.1:3000"), Catch::Contains("http://"));
  CHECK_THAT(refusal("http://h:0"), Catch::Contains("bad port"));
  CHECK_THAT(refusal("http://h:70000"), Catch::Contains("bad port"));
  CHECK_THAT(refusal("http://h:"), Catch::Contains("bad port"));
  CHECK_THAT(refusal("http://h:x1"), Catch::Contains("bad port"));
  CHECK_THAT(refusal("http://:3000"), Catch::Contains("no host"));
  CHECK_THAT(refusal("http://::1:3000"), Catch::Contains("brackets"));
  CHECK_THAT(refusal("http://[::1:3000"), Catch::Contains("bracketed"));
  refusal("http://user@h:1");
  refusal("http://h:1/a?b=c");
  refusal("http://h 1:2");
}

TEST_CASE("is_loopback_host", "[client]") {
  for (const char* h : {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"})
    CHECK(spime::client::is_loopback_host(h));
  for (const char* h : {"10.0.0.1", "example.org", "0.0.0.0", "::", ""})
    CHECK_FALSE(spime::client::is_loopback_host(h));
}

TEST_CASE("a refused connection is an error value", "[client]") {
  unsigned short port = 0;
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpClient c(Url{"127.0.0.1", port, ""});
  Response r = c.request("GET", "/api/ui-context");
  CHECK(r.error == "connection refused");
  CHECK(r.status == 0);
  CHECK_FALSE(r.ok());
}

TEST_CASE("a server that never answers: the deadline holds", "[client]") {
  // The kernel completes the handshake on a listening socket nobody accepts on.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor silent(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  spime::client::Options options;
  options.timeout = std::chrono::milliseconds(300);
  HttpClient c(Url{"127.0.0.1", silent.local_endpoint().port(), ""}, options);
  const auto t0 = std::chrono::steady_clock::now();
  Response r = c.request("GET", "/api/ui-context");
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(r.error == "timed out after 300 ms");
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("a keep-alive connection the server closed is reopened once", "[client]") {
  spime::channels::HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(100);  // closes idle connections
  Server s(options);
  HttpClient c(Url{"127.0.0.1", s.port, ""});
  Response r = c.request("GET", "/api/ui-context");
  REQUIRE(r.ok());
  CHECK(r.status == 200);
  CHECK(r.keep_alive);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  r = c.request("POST", "/sky/event/E/none/a/b", R"({"x":1})",
                {{"Content-Type", "application/json"}});
  INFO(r.error);
  CHECK(r.status == 200);
  CHECK(s.engine.calls().size() == 2);  // the GET, then the event once, on a new connection
  CHECK(s.engine.last().method == "event_wait");
}

TEST_CASE("answers over the body cap are refused — the base path is put first", "[client]") {
  Server s;
  spime::client::Options options;
  options.max_body_bytes = 10;
  HttpClient small(Url{"127.0.0.1", s.port, ""}, options);
  Response r = small.request("GET", "/api/ui-context");
  CHECK(r.error == "answer body over 10 bytes");

  HttpClient based(Url{"127.0.0.1", s.port, "/under"});
  r = based.request("GET", "/api/ui-context");
  CHECK(r.status == 404);
  CHECK(r.body == R"({"error":"Cannot GET /under/api/ui-context"})");
  CHECK(r.header("content-type") == "application/json; charset=utf-8");
}

TEST_CASE("a request Beast cannot write is an error, not an exception", "[client]") {
  Server s;
  HttpClient c(Url{"127.0.0.1", s.port, ""});
  Response r = c.request("TRACE", "/x", "a body TRACE may not carry");
  CHECK_THAT(r.error, Catch::StartsWith("cannot send this request"));
  CHECK(c.request("GET", "/api/ui-context").status == 200);
}
