// The HTTP server end to end: a real server on 127.0.0.1:0, a real client, and
// a test engine answering from its own thread.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "channels/http_server.h"
#include "http_client.h"
#include "test_engine.h"

using namespace spime::channels;
using namespace spime::channels::testing;
using spime::krl::encode_json;
using spime::krl::Map;
using spime::krl::Value;

namespace {

struct Fixture {
  explicit Fixture(HttpServerOptions options = {}) : server(engine, std::move(options)) {
    std::string error;
    auto p = server.start(&error);
    INFO(error);
    REQUIRE(p);
    port = *p;
  }
  TestEngine engine;
  HttpServer server;
  unsigned short port = 0;
};

std::string attr(const Value& attrs, const std::string& key) {
  const Value* v = attrs.as_map().find(key);
  return v ? encode_json(*v) : "<absent>";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("sky/event: route, attributes and eid", "[http]") {
  Fixture f;
  f.engine.directives = Value(spime::krl::Array{
      Value(Map{{"type", Value("directive")}, {"name", Value("say")}, {"options", Value(Map{})}})});
  HttpClient c(f.port);
  auto r = c.get("/sky/event/ECI1/my-eid/wovyn/heartbeat?temp=72&x=a+b");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json; charset=utf-8");
  CHECK(r.body ==
        R"({"eid":"eid-1","directives":[{"type":"directive","name":"say","options":{}}]})");
  auto call = f.engine.last();
  CHECK(call.method == "event_wait");
  CHECK(call.event.eci == "ECI1");
  CHECK(call.event.domain == "wovyn");
  CHECK(call.event.name == "heartbeat");
  CHECK(attr(call.event.attrs, "temp") == R"("72")");
  CHECK(attr(call.event.attrs, "x") == R"("a b")");
  CHECK(attr(call.event.attrs, "__eid") == R"("my-eid")");
  CHECK(attr(call.event.attrs, "_headers").find(R"("host":"127.0.0.1:)" + std::to_string(f.port)) !=
        std::string::npos);

  // eid "none" leaves __eid out; a body __eid wins over the path's.
  c.post_json("/sky/event/ECI1/none/wovyn/heartbeat", R"({"temp":70})");
  CHECK(attr(f.engine.last().event.attrs, "__eid") == "<absent>");
  CHECK(attr(f.engine.last().event.attrs, "temp") == "70");
  c.post_json("/sky/event/ECI1/path-eid/a/b", R"({"__eid":"body-eid"})");
  CHECK(attr(f.engine.last().event.attrs, "__eid") == R"("body-eid")");
}

TEST_CASE("sky/event: _cookie and _redirect directives", "[http]") {
  Fixture f;
  f.engine.directives = Value(spime::krl::Array{
      Value(Map{{"name", Value("_cookie")}, {"options", Value(Map{{"cookie", Value("a=1")}})}}),
      Value(Map{{"name", Value("_cookie")}, {"options", Value(Map{{"cookie", Value("b=2")}})}}),
      Value(Map{{"name", Value("_redirect")},
                {"options", Value(Map{{"url", Value("http://example.com/x")}})}})});
  HttpClient c(f.port);
  auto r = c.get("/sky/event/E/none/d/t");
  CHECK(r.status == 302);
  CHECK(r.header("Location") == "http://example.com/x");
  int cookies = 0;
  for (const auto& [name, value] : r.headers) {
    if (strcasecmp(name.c_str(), "Set-Cookie") == 0) ++cookies;
  }
  CHECK(cookies == 2);
}

TEST_CASE("the /c/ routes and /sky/cloud with GET and POST", "[http]") {
  Fixture f;
  HttpClient c(f.port);

  auto r = c.post_json("/c/E1/event/dom/nam?q=1", R"({"b":2})");
  CHECK(r.status == 200);
  CHECK(r.body == R"("eid-2")");
  auto call = f.engine.last();
  CHECK(call.method == "event");
  CHECK((call.event.eci == "E1" && call.event.domain == "dom" && call.event.name == "nam"));
  CHECK(attr(call.event.attrs, "q") == R"("1")");
  CHECK(attr(call.event.attrs, "b") == "2");

  r = c.get("/c/E1/event-wait/dom/nam");
  CHECK(r.body == R"({"eid":"eid-1","directives":[]})");
  CHECK(f.engine.last().method == "event_wait");

  r = c.request("POST", "/c/E1/event/d/n/query/my.rid/fn", "a=1&a=2",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(r.body == R"("query-result")");
  call = f.engine.last();
  CHECK(call.method == "event_query");
  CHECK((call.query.eci == "E1" && call.query.rid == "my.rid" && call.query.name == "fn"));
  CHECK((call.event.domain == "d" && call.event.name == "n"));
  CHECK(attr(call.event.attrs, "a") == R"(["1","2"])");
  CHECK(attr(call.query.args, "a") == R"(["1","2"])");

  r = c.get("/c/E1/query/my.rid/fn?x[y]=1");
  CHECK(r.body == R"("query-result")");
  call = f.engine.last();
  CHECK(call.method == "query");
  CHECK((call.query.rid == "my.rid" && call.query.name == "fn"));
  CHECK(attr(call.query.args, "x") == R"({"y":"1"})");

  r = c.post_json("/sky/cloud/E2/rid2/func", R"({"n":3})");
  call = f.engine.last();
  CHECK((call.query.eci == "E2" && call.query.rid == "rid2" && call.query.name == "func"));
  CHECK(attr(call.query.args, "n") == "3");

  // Percent-decoded, case-insensitive literals, optional trailing slash.
  r = c.get("/SKY/Cloud/E%20x/r/f/");
  CHECK(r.status == 200);
  CHECK(f.engine.last().query.eci == "E x");
  r = c.get("/sky/cloud/E%E0%A4%A/r/f");
  CHECK(r.status == 400);
  CHECK(r.body == R"({"error":"URIError: Failed to decode param 'E%E0%A4%A'"})");
}

TEST_CASE(".txt and .html queries answer text", "[http]") {
  Fixture f;
  f.engine.query_value = Value("<b>hi</b>");
  HttpClient c(f.port);
  auto r = c.get("/sky/cloud/E/r/page.html");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/html");
  CHECK(r.body == "<b>hi</b>");
  CHECK(f.engine.last().query.name == "page");
  r = c.get("/c/E/query/r/page.txt");
  CHECK(r.header("Content-Type") == "text/plain");
  CHECK(r.body == "<b>hi</b>");
  r = c.get("/sky/cloud/E/r/page.json");
  CHECK(r.header("Content-Type") == "application/json; charset=utf-8");
  CHECK(r.body == R"("<b>hi</b>")");
}

TEST_CASE(".txt query of a non-string is an error", "[http]") {
  Fixture f;
  f.engine.query_value = Value(5);
  HttpClient c(f.port);
  auto r = c.get("/sky/cloud/E/r/page.txt");
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":"TypeError: a .txt query must return a String, not Number"})");
}

TEST_CASE("api routes: ui-context and flush", "[http]") {
  Fixture f;
  HttpClient c(f.port);
  auto r = c.get("/api/ui-context");
  CHECK(r.body == R"({"version":"1.4.0","eci":"ui-eci"})");
  r = c.request("POST", "/api/ui-context");
  CHECK(r.status == 404);
  r = c.get("/api/flush?url=file:///x.krl&eci=owner");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"url":"file:///x.krl","rid":"r"})");
  CHECK(f.engine.last().url == "file:///x.krl");
  CHECK(f.engine.last().eci == "owner");
  r = c.get("/api/flush");
  CHECK(r.status == 400);
  CHECK(r.body == R"({"error":"TypeError: Expected `url`"})");
}

TEST_CASE("api routes: clock", "[http]") {
  Fixture f;
  HttpClient c(f.port);
  auto r = c.request("POST", "/api/clock?advance=250&eci=owner");
  CHECK(r.status == 200);
  CHECK(r.body == R"({"now":1250})");
  auto call = f.engine.last();
  CHECK(call.method == "clock");
  CHECK(call.eci == "owner");
  CHECK(call.clock.advance_ms == std::optional<std::int64_t>(250));
  CHECK_FALSE(call.clock.set_ms.has_value());
  r = c.request("POST", "/api/clock?set=-42&eci=owner");
  CHECK(r.body == R"({"now":-42})");
  CHECK(f.engine.last().clock.set_ms == std::optional<std::int64_t>(-42));
  r = c.request("POST", "/api/clock?advance=1.5&eci=owner");
  CHECK(r.status == 400);
  r = c.request("POST", "/api/clock?set=12abc&eci=owner");
  CHECK(r.status == 400);
}

TEST_CASE("CORS headers and OPTIONS preflight", "[http]") {
  Fixture f;
  HttpClient c(f.port);
  auto r = c.get("/api/ui-context");
  CHECK(r.header("Access-Control-Allow-Origin") == "*");
  CHECK(r.header("Access-Control-Allow-Headers") ==
        "Origin, X-Requested-With, Content-Type, Accept, Authorization");
  r = c.request("OPTIONS", "/sky/event/E/none/a/b");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.header("Allow") == "POST, GET, OPTIONS");
  CHECK(r.header("Access-Control-Allow-Methods") == "POST, GET, OPTIONS");
  CHECK(r.header("Access-Control-Allow-Origin") == "*");
  CHECK(f.engine.calls().size() == 1);  // the ui-context GET only
}

TEST_CASE("errors: 404, 400, 413, engine statuses, 503 with Retry-After", "[http]") {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  Fixture f(options);
  HttpClient c(f.port);
  auto r = c.get("/nope/x");
  CHECK(r.status == 404);
  CHECK(r.body == R"({"error":"Cannot GET /nope/x"})");
  r = c.get("/sky/event/E/none/too/many/parts");
  CHECK(r.status == 404);

  r = c.post_json("/sky/event/E/none/a/b", R"({"a":)");
  CHECK(r.status == 400);
  CHECK(r.body.find("SyntaxError") != std::string::npos);
  CHECK(f.engine.calls().empty());

  r = c.post_json("/sky/event/E/none/a/b", std::string(2000, ' '));
  CHECK(r.status == 413);
  CHECK(r.body == R"({"error":"PayloadTooLargeError: request entity too large"})");
  CHECK(c.closed_by_server());

  HttpClient c2(f.port);
  f.engine.fail = Status::permission_denied("Not allowed by channel policy");
  r = c2.get("/sky/cloud/E/r/f");
  CHECK(r.status == 403);
  CHECK(r.body == R"({"error":"Error: Not allowed by channel policy"})");
  f.engine.fail = Status::unavailable("pico is busy");
  r = c2.get("/sky/event/E/none/a/b");
  CHECK(r.status == 503);
  CHECK(r.header("Retry-After") == "1");
  CHECK(r.body == R"({"error":"Error: pico is busy"})");
  f.engine.fail = Status::rule_error("r rule x at 1:2: odd");
  r = c2.get("/c/E/event/a/b");
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":"Error: r rule x at 1:2: odd"})");
  f.engine.fail = Status::invalid_argument("attribute /a: expected a number").with_pointer("/a");
  r = c2.get("/c/E/event/a/b");
  CHECK(r.status == 400);
  CHECK(r.body == R"({"error":"Error: attribute /a: expected a number","path":"/a"})");
  f.engine.fail = Status::conflict("an event to the calling pico");
  r = c2.get("/c/E/event/a/b");
  CHECK(r.status == 409);
}

TEST_CASE("a dropped engine callback still gets a reply", "[http]") {
  Fixture f;
  f.engine.drop = true;
  HttpClient c(f.port);
  auto r = c.get("/sky/cloud/E/r/f");
  CHECK(r.status == 500);
  CHECK(r.body == R"({"error":"Error: engine dropped the request"})");
}

TEST_CASE("ESProto bad payloads: invalid JSON gives 4xx, valid objects reach the engine",
          "[http]") {
  Fixture f;
  const std::string dir = std::string(SPIME_SHARED_DIR) + "/esproto/bad/";
  struct Case {
    const char* file;
    bool reaches_engine;
  };
  for (Case k : {Case{"data-not-a-map.json", true}, Case{"deeply-nested.json", false},
                 Case{"invalid-utf8.json", false}, Case{"missing-genericThing.json", true},
                 Case{"not-an-object.json", false}, Case{"null-reading.json", true},
                 Case{"readings-not-a-list.json", true}, Case{"truncated.json", false}}) {
    INFO(k.file);
    const std::string body = read_file(dir + k.file);
    REQUIRE(!body.empty());
    HttpClient c(f.port);
    const size_t before = f.engine.calls().size();
    auto r = c.post_json("/sky/event/E/none/wovyn/heartbeat", body);
    if (k.reaches_engine) {
      CHECK(r.status == 200);
      CHECK(f.engine.calls().size() == before + 1);
    } else {
      CHECK(r.status >= 400);
      CHECK(r.status < 500);
      CHECK(r.body.rfind(R"({"error":)", 0) == 0);
      CHECK(f.engine.calls().size() == before);
    }
  }
}

TEST_CASE("keep-alive: many requests on one connection", "[http]") {
  Fixture f;
  HttpClient c(f.port);
  for (int i = 0; i < 200; ++i) {
    auto r = c.get("/sky/cloud/E/r/f?i=" + std::to_string(i));
    REQUIRE(r.status == 200);
    REQUIRE(r.keep_alive);
  }
  CHECK(f.engine.calls().size() == 200);
}

TEST_CASE("several concurrent connections", "[http]") {
  Fixture f;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&f, &ok, t] {
      HttpClient c(f.port);
      for (int i = 0; i < 50; ++i) {
        auto r = c.post_json("/c/E" + std::to_string(t) + "/event-wait/d/n",
                             R"({"i":)" + std::to_string(i) + "}");
        if (r.status == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == 400);
  CHECK(f.engine.calls().size() == 400);
}

TEST_CASE("malformed HTTP closes the connection cleanly", "[http]") {
  Fixture f;
  {
    HttpClient c(f.port);
    REQUIRE(c.send_raw("THIS IS NOT HTTP\r\n\r\n").empty());
    auto r = c.read_response();
    CHECK(r.status == 400);
    CHECK(r.body.rfind(R"({"error":)", 0) == 0);
    CHECK(c.closed_by_server());
  }
  {
    HttpClient c(f.port);
    REQUIRE(c.send_raw("GET / HTTP/1.1\r\nHost: x\r\n" + std::string(20000, 'X') + ": y\r\n\r\n")
                .empty());
    auto r = c.read_response();
    CHECK(r.status == 431);
    CHECK(c.closed_by_server());
  }
  // The server still answers.
  HttpClient c(f.port);
  CHECK(c.get("/api/ui-context").status == 200);
}

namespace {

// A chunked POST of "{}" whose last chunk is followed by `trailer` (fields,
// each ending in CRLF) and the final CRLF.
std::string chunked_post(const std::string& target, const std::string& trailer,
                         const std::string& first_chunk_line = "2") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\nTrailer: X-Big\r\n\r\n" +
         first_chunk_line + "\r\n{}\r\n0\r\n" + trailer + "\r\n";
}

// Sends `bytes` on a new connection and returns the status of the server's
// answer (0 if the connection closed without one) and whether it then closed.
std::pair<int, bool> answer_to(unsigned short port, const std::string& bytes) {
  HttpClient c(port);
  c.send_raw(bytes);  // the server may refuse before it has read them all
  Response r = c.read_response();
  if (!r.ok()) return {0, true};
  return {r.status, c.closed_by_server()};
}

}  // namespace

TEST_CASE("oversized or malformed chunked framing is a 4xx, never a crash", "[http]") {
  Fixture f;
  const std::string target = "/sky/event/ECI1/none/d/t";
  struct Case {
    const char* what;
    std::string bytes;
    int status;
  };
  const std::vector<Case> cases = {
      // The request that used to abort the process: one 65,535-byte trailer field.
      {"a 65,535-byte trailer field",
       chunked_post(target, "X-Big: " + std::string(65535, 'a') + "\r\n"), 431},
      {"a 65,000-byte trailer field",
       chunked_post(target, "X-Big: " + std::string(65000, 'a') + "\r\n"), 431},
      {"a trailer just over the header limit",
       chunked_post(target, "X-Big: " + std::string(17 * 1024, 'a') + "\r\n"), 431},
      {"many small trailer fields",
       chunked_post(target,
                    [] {
                      std::string t;
                      for (int i = 0; i < 2000; ++i)
                        t += "X-F" + std::to_string(i) + ": abcdefgh\r\n";
                      return t;
                    }()),
       431},
      {"a 40,000-byte chunk extension",
       chunked_post(target, "", "2;ext=" + std::string(40000, 'e')), 431},
      {"a chunk size that is not hex", chunked_post(target, "", "zz"), 400},
      {"a chunk over the body limit", chunked_post(target, "", "FFFFFFFF"), 413},
      {"a 70,000-byte header value",
       "GET /api/ui-context HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'v') + "\r\n\r\n",
       431},
      {"two different Content-Lengths",
       "POST " + target +
           " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
       400},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto [status, closed] = answer_to(f.port, c.bytes);
    CHECK(status == c.status);
    CHECK(closed);
    // The server is alive and well after each.
    HttpClient ok(f.port);
    CHECK(ok.get("/api/ui-context").status == 200);
  }
  // A small trailer is fine: the event reaches the engine.
  const size_t before = f.engine.calls().size();
  auto [status, closed] = answer_to(f.port, chunked_post(target, "X-Big: small\r\n"));
  CHECK(status == 200);
  CHECK(f.engine.calls().size() == before + 1);
  // A request cut off mid-chunk closes quietly.
  {
    HttpClient c(f.port);
    REQUIRE(c.send_raw("POST " + target +
                       " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
                .empty());
    c.shutdown_send();
    CHECK(c.closed_by_server());
  }
  HttpClient ok(f.port);
  CHECK(ok.get("/api/ui-context").status == 200);
}

TEST_CASE("a reply header HTTP cannot carry is a 500, not a crash", "[http]") {
  Fixture f;
  f.engine.directives = Value(spime::krl::Array{
      Value(Map{{"name", Value("_redirect")},
                {"options", Value(Map{{"url", Value("http://h/" + std::string(70000, 'u'))}})}})});
  HttpClient c(f.port);
  auto r = c.get("/sky/event/E/none/d/t");
  CHECK(r.status == 500);
  CHECK(r.body.rfind(R"({"error":)", 0) == 0);
  HttpClient ok(f.port);
  CHECK(ok.get("/api/ui-context").status == 200);
}

TEST_CASE("start() refuses a header limit Beast cannot hold", "[http]") {
  TestEngine engine;
  HttpServerOptions options;
  options.max_header_bytes = 70000;
  HttpServer server(engine, options);
  std::string error;
  CHECK_FALSE(server.start(&error));
  CHECK(error.find("max_header_bytes") != std::string::npos);
}

TEST_CASE("an idle connection is closed after the header timeout", "[http]") {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(200);
  Fixture f(options);
  HttpClient c(f.port);
  CHECK(c.get("/api/ui-context").status == 200);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(c.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("stop() finishes a request in flight", "[http]") {
  TestEngine engine;
  engine.hold = true;
  HttpServerOptions options;
  std::vector<std::string> lines;
  std::mutex lines_mutex;
  options.log_requests = true;
  options.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(lines_mutex);
    lines.push_back(line);
  };
  HttpServer server(engine, options);
  auto port = server.start();
  REQUIRE(port);
  HttpClient c(*port);
  HttpClient idle(*port);
  auto reply =
      std::async(std::launch::async, [&c] { return c.get("/sky/event/E/none/slow/event"); });
  while (engine.held() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::thread releaser([&engine] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    engine.release();
  });
  server.stop();
  releaser.join();
  auto r = reply.get();
  CHECK(r.status == 200);
  CHECK_FALSE(r.keep_alive);
  CHECK(idle.closed_by_server());
  std::lock_guard<std::mutex> lock(lines_mutex);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("GET /sky/event/E/none/slow/event 200 ", 0) == 0);
}

TEST_CASE("stop() gives up on a request the engine never answers", "[http]") {
  TestEngine engine;
  engine.hold = true;
  HttpServerOptions options;
  options.stop_grace = std::chrono::milliseconds(200);
  {
    HttpServer server(engine, options);
    auto port = server.start();
    REQUIRE(port);
    HttpClient c(*port);
    REQUIRE(c.send_raw("GET /sky/cloud/E/r/f HTTP/1.1\r\nHost: x\r\n\r\n").empty());
    while (engine.held() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto t0 = std::chrono::steady_clock::now();
    server.stop();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  }
  engine.release();  // a late answer after the server is gone is ignored
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

TEST_CASE("start() reports a port in use", "[http]") {
  Fixture f;
  HttpServerOptions options;
  options.port = f.port;
  TestEngine engine;
  HttpServer second(engine, options);
  std::string error;
  CHECK_FALSE(second.start(&error));
  CHECK(error.find("cannot listen on 127.0.0.1:") == 0);
}

TEST_CASE("past max_connections a new connection is closed at once", "[http]") {
  HttpServerOptions options;
  options.max_connections = 2;
  Fixture f(options);
  HttpClient a(f.port), b(f.port);
  REQUIRE(a.get("/api/ui-context").status == 200);
  REQUIRE(b.get("/api/ui-context").status == 200);
  HttpClient third(f.port);  // the kernel completes the handshake, then the server closes
  CHECK(third.closed_by_server());
  CHECK(a.get("/api/ui-context").status == 200);
  // Once one closes, a new connection is held again.
  a.close();
  bool held = false;
  for (int i = 0; i < 100 && !held; ++i) {
    HttpClient again(f.port);
    held = again.get("/api/ui-context").status == 200;
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(held);
}

namespace {

// Lowers this process's soft limit of open files while it lives.
class FilesLimit {
 public:
  explicit FilesLimit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old_) == 0);
    rlimit lowered = old_;
    lowered.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~FilesLimit() { restore(); }
  void restore() {
    if (!restored_) ::setrlimit(RLIMIT_NOFILE, &old_);
    restored_ = true;
  }

 private:
  rlimit old_{};
  bool restored_ = false;
};

// The lowest file descriptor number free now.
int lowest_free_descriptor() {
  const int fd = ::open("/dev/null", O_RDONLY);
  REQUIRE(fd >= 0);
  ::close(fd);
  return fd;
}

}  // namespace

TEST_CASE("out of file descriptors, the listener waits between accepts", "[http]") {
  std::mutex lines_mutex;
  int accept_errors = 0;
  HttpServerOptions options;
  options.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(lines_mutex);
    if (line.rfind("accept: ", 0) == 0) ++accept_errors;
  };
  Fixture f(options);
  // A plain socket made before the limit is lowered: connecting it takes no
  // new descriptor here, accepting it takes one there.
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(client >= 0);
  timeval five{5, 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(f.port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  {
    FilesLimit limit(static_cast<rlim_t>(lowest_free_descriptor()));
    REQUIRE(::connect(client, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    limit.restore();
  }
  {
    std::lock_guard<std::mutex> lock(lines_mutex);
    CHECK(accept_errors >= 1);
    CHECK(accept_errors <= 20);  // about one per 100 ms, not a spin
  }
  // With descriptors back, the queued connection is accepted and answered.
  const std::string request = "GET /api/ui-context HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::write(client, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  char answer[64] = {};
  const ssize_t n = ::read(client, answer, sizeof answer - 1);
  ::close(client);
  REQUIRE(n > 0);
  CHECK(std::string(answer).rfind("HTTP/1.1 200", 0) == 0);
}
