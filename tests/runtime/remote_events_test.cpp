// RemoteEventSender against a small recording Beast server on 127.0.0.1:0:
// what arrives (method, target encoding, content type, body), failures that
// only log (non-2xx, refused port, bad host, timeout), a full queue, and a
// destructor that returns in bounded time with work still queued.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/runtime/outbound/remote_events.h"

using namespace spime::runtime;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

struct Received {
  std::string method, target, content_type, body;
};

// Serves connections one after another on one thread: reads a request,
// records it, waits `delay` (cut short when the server stops), answers
// `status`. Serial handling is enough: the sender posts one at a time.
class RecordingServer {
 public:
  explicit RecordingServer(unsigned status = 200, std::chrono::milliseconds delay = 0ms,
                           size_t body_bytes = 0)
      : status_(status), delay_(delay), body_bytes_(body_bytes), acceptor_(ioc_) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }
  ~RecordingServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    try {  // wake the blocking accept
      tcp::socket s(ioc_);
      s.connect(acceptor_.local_endpoint());
    } catch (...) {
    }
    thread_.join();
  }
  std::string host() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  // Waits until at least `n` requests arrived.
  bool wait_for_requests(size_t n, std::chrono::milliseconds max_wait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, max_wait, [&] { return received_.size() >= n; });
  }

 private:
  void loop() {
    for (;;) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (ec || stop_) return;
      }
      serve(s);
    }
  }
  void serve(tcp::socket& s) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(s, buffer, req, ec);
    if (ec) return;
    {
      std::unique_lock<std::mutex> lock(mu_);
      received_.push_back({std::string(req.method_string()), std::string(req.target()),
                           std::string(req[http::field::content_type]), req.body()});
      cv_.notify_all();
      if (cv_.wait_for(lock, delay_, [this] { return stop_; })) return;
    }
    http::response<http::string_body> res{static_cast<http::status>(status_), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = body_bytes_ ? std::string(body_bytes_, 'x') : R"({"directives":[]})";
    res.prepare_payload();
    http::write(s, res, ec);
    s.shutdown(tcp::socket::shutdown_both, ec);
  }

  unsigned status_;
  std::chrono::milliseconds delay_;
  size_t body_bytes_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<Received> received_;
  std::thread thread_;
};

// Collects log lines from the sender's worker thread.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
};

RemoteEvent event(const std::string& host, const std::string& eci = "eci1",
                  const std::string& domain = "test", const std::string& name = "ping",
                  const std::string& attrs = "{}") {
  return RemoteEvent{host, eci, domain, name, attrs};
}

// A port nothing listens on: bound, then closed.
unsigned short closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  unsigned short port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace

TEST_CASE("remote_event_url joins the host and percent-encoded segments", "[remote]") {
  CHECK(remote_event_url(event("http://h:3000")) == "http://h:3000/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("http://h:3000/")) == "http://h:3000/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("https://h/base//")) == "https://h/base/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("http://h", "a b/c?d#e%f", "d-._~x", "n\xC3\xA9+&")) ==
        "http://h/c/a%20b%2Fc%3Fd%23e%25f/event/d-._~x/n%C3%A9%2B%26");
  CHECK(remote_event_url(event("http://h", "", "", "")) == "http://h/c//event//");
}

TEST_CASE("events are POSTed as JSON to the reference URL, in order", "[remote]") {
  RecordingServer server;
  LogLines log;
  RemoteEventSender sender({}, log.sink());
  REQUIRE(sender.submit(
      event(server.host(), "ECI 1/x", "wovyn", "heartbeat", R"({"temp":72.5,"tags":["a"]})")));
  REQUIRE(sender.submit(event(server.host() + "/", "eci2", "dom?ain", "ty#pe", "{}")));
  REQUIRE(sender.wait_idle(5s));
  auto got = server.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].method == "POST");
  CHECK(got[0].target == "/c/ECI%201%2Fx/event/wovyn/heartbeat");
  CHECK(got[0].content_type == "application/json");
  CHECK(got[0].body == R"({"temp":72.5,"tags":["a"]})");
  CHECK(got[1].method == "POST");
  CHECK(got[1].target == "/c/eci2/event/dom%3Fain/ty%23pe");
  CHECK(got[1].body == "{}");
  CHECK(log.get() == std::vector<std::string>{});
}

TEST_CASE("a non-2xx answer is logged with the URL and status", "[remote]") {
  RecordingServer server(500);
  LogLines log;
  RemoteEventSender sender({}, log.sink());
  REQUIRE(sender.submit(event(server.host())));
  REQUIRE(sender.wait_idle(5s));
  CHECK(server.received().size() == 1);
  auto lines = log.get();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "event:send POST " + server.host() + "/c/eci1/event/test/ping: 500 Internal Server Error");
}

TEST_CASE("a refused connection is logged and the sender keeps working", "[remote]") {
  std::string refused = "http://127.0.0.1:" + std::to_string(closed_port());
  RecordingServer server;
  LogLines log;
  RemoteEventSender sender({}, log.sink());
  REQUIRE(sender.submit(event(refused)));
  REQUIRE(sender.submit(event(server.host())));
  REQUIRE(sender.wait_idle(5s));
  auto lines = log.get();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("event:send POST " + refused + "/c/eci1/event/test/ping: cannot connect",
                       0) == 0);
  CHECK(lines[0].find("refused") != std::string::npos);
  CHECK(server.received().size() == 1);
}

TEST_CASE("hosts that are not http(s) URLs are logged, not posted", "[remote]") {
  LogLines log;
  RemoteEventSender sender({}, log.sink());
  REQUIRE(sender.submit(event("ftp://h")));
  REQUIRE(sender.submit(event("localhost:3000")));
  REQUIRE(sender.submit(event("http://h:99999")));
  REQUIRE(sender.submit(event("http://h?x=1")));
  REQUIRE(sender.submit(event("http://user@h")));
  REQUIRE(sender.submit(event("http:///x")));
  REQUIRE(sender.wait_idle(5s));
  auto lines = log.get();
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] ==
        "event:send POST ftp://h/c/eci1/event/test/ping: unsupported url scheme ftp (host must be "
        "http:// or https://)");
  CHECK(lines[1].find("host is not an http:// or https:// url") != std::string::npos);
  CHECK(lines[2].find("invalid url port 99999") != std::string::npos);
  CHECK(lines[3].find("host must not have a query or fragment") != std::string::npos);
  CHECK(lines[4].find("credentials in urls are not supported") != std::string::npos);
  CHECK(lines[5].find("url has no host") != std::string::npos);
}

TEST_CASE("a POST that gets no answer times out and is logged", "[remote]") {
  RecordingServer server(200, 10s);
  LogLines log;
  RemoteEventSender sender({1024, 200ms}, log.sink());
  auto start = std::chrono::steady_clock::now();
  REQUIRE(sender.submit(event(server.host())));
  REQUIRE(sender.wait_idle(5s));
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  auto lines = log.get();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "event:send POST " + server.host() + "/c/eci1/event/test/ping: timed out after 200 ms");
}

TEST_CASE("submit returns false when the queue is full", "[remote]") {
  RecordingServer server(200, 500ms);
  LogLines log;
  RemoteEventSender sender({1, 5000ms}, log.sink());
  REQUIRE(sender.submit(event(server.host(), "first")));
  REQUIRE(server.wait_for_requests(1, 5s));  // "first" is in flight, the queue is empty
  CHECK(sender.submit(event(server.host(), "second")));
  CHECK_FALSE(sender.submit(event(server.host(), "third")));
  REQUIRE(sender.wait_idle(10s));
  auto got = server.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].target == "/c/first/event/test/ping");
  CHECK(got[1].target == "/c/second/event/test/ping");
  CHECK(log.get() == std::vector<std::string>{});
  CHECK(sender.submit(event(server.host(), "fourth")));  // room again
  REQUIRE(sender.wait_idle(10s));
}

TEST_CASE("the destructor returns in bounded time with work queued", "[remote]") {
  RecordingServer server(200, 10s);  // never answers in time
  LogLines log;
  auto start = std::chrono::steady_clock::now();
  {
    RemoteEventSender sender({16, 300ms}, log.sink());
    for (int i = 0; i < 10; ++i) REQUIRE(sender.submit(event(server.host())));
    CHECK_FALSE(sender.wait_idle(50ms));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < 2s);
  auto lines = log.get();
  REQUIRE(!lines.empty());
  CHECK(lines.back().find("abandoned") != std::string::npos);
  CHECK(lines.front().find("timed out after 300 ms") != std::string::npos);
}

TEST_CASE("the destructor delivers what is queued when the peer answers", "[remote]") {
  RecordingServer server;
  LogLines log;
  {
    RemoteEventSender sender({}, log.sink());
    for (int i = 0; i < 5; ++i) REQUIRE(sender.submit(event(server.host(), std::to_string(i))));
  }
  auto got = server.received();
  REQUIRE(got.size() == 5);
  for (int i = 0; i < 5; ++i)
    CHECK(got[i].target == "/c/" + std::to_string(i) + "/event/test/ping");
  CHECK(log.get() == std::vector<std::string>{});
}

TEST_CASE("a 2xx answer with a body over the cap is still a delivery", "[remote]") {
  RecordingServer server(200, 0ms, RemoteEventSender::kMaxResponseBytes * 4);
  LogLines log;
  RemoteEventSender sender({}, log.sink());
  CHECK(sender.wait_idle(0ms));  // nothing queued yet
  REQUIRE(sender.submit(event(server.host())));
  REQUIRE(sender.wait_idle(5s));
  CHECK(server.received().size() == 1);
  CHECK(log.get() == std::vector<std::string>{});
}

TEST_CASE("https to a peer that does not speak TLS is logged", "[remote]") {
  RecordingServer server;
  std::string host = "https://127.0.0.1:" + server.host().substr(server.host().rfind(':') + 1);
  LogLines log;
  RemoteEventSender sender({1024, 2000ms}, log.sink());
  REQUIRE(sender.submit(event(host)));
  REQUIRE(sender.wait_idle(5s));
  auto lines = log.get();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind("event:send POST " + host + "/c/eci1/event/test/ping: ", 0) == 0);
  CHECK((lines[0].find("TLS handshake") != std::string::npos ||
         lines[0].find("timed out") != std::string::npos));
  CHECK(server.received().empty());
}
