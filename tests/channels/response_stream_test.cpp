// spime::client::ResponseStream (channels/client/response_stream.h): a
// body read as it arrives, against a canned server on loopback that writes
// its answer in pieces: chunked (pieces that split sizes and CRLFs), a
// Content-Length, until close, and the malformed or cut-short ones.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "channels/client/response_stream.h"

using spime::client::ResponseStream;
using spime::client::Url;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Accepts one connection, keeps the request it read, writes `pieces` with a
// pause between them, then closes (unless `hold`: then it waits for the
// client to close first, bounded by two seconds).
class CannedServer {
 public:
  explicit CannedServer(std::vector<std::string> pieces, bool hold = false)
      : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, pieces = std::move(pieces), hold] {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec) return;
      net::read_until(s, net::dynamic_buffer(request_), "\r\n\r\n", ec);
      for (const std::string& p : pieces) {
        net::write(s, net::buffer(p), ec);
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      }
      if (hold) {
        char byte;
        s.non_blocking(true);
        for (int i = 0; i < 200; ++i) {  // at most 2 s
          s.read_some(net::buffer(&byte, 1), ec);
          if (ec && ec != net::error::would_block) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
  }
  ~CannedServer() {
    if (thread_.joinable()) thread_.join();
  }
  Url url() const { return Url{"127.0.0.1", port_, ""}; }
  // The request as read (valid once the answer is read).
  const std::string& request() const { return request_; }

 private:
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::string request_;
  std::thread thread_;
};

// Reads the whole body, at most two seconds.
std::string read_all(ResponseStream& s) {
  std::string body;
  const auto until = ResponseStream::Clock::now() + std::chrono::seconds(2);
  while (!s.ended() && ResponseStream::Clock::now() < until) s.read(until, &body);
  return body;
}

}  // namespace

TEST_CASE("response stream: a chunked body split anywhere is decoded", "[client]") {
  CannedServer server(
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n", "5\r\nhel", "lo\r\n",
       "6;ext=1\r", "\n world\r\n", "0\r\nTrailer: x\r\n", "\r\n"},
      /*hold=*/true);
  ResponseStream s(server.url());
  REQUIRE(s.open("POST", "/v3/watch", {{"Content-Type", "application/json"}}, "{}") == "");
  CHECK(s.status() == 200);
  CHECK(s.header("x-a") == "b");
  CHECK(read_all(s) == "hello world");
  CHECK(s.ended());
  CHECK(s.error() == "");
  CHECK_THAT(server.request(), Catch::StartsWith("POST /v3/watch HTTP/1.1\r\n"));
  CHECK_THAT(server.request(), Catch::Contains("Content-Length: 2\r\n"));
  CHECK_THAT(server.request(), Catch::Contains("Content-Type: application/json\r\n"));
}

TEST_CASE("response stream: pieces come as they arrive, then the wait ends", "[client]") {
  CannedServer server({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n"},
                      /*hold=*/true);
  ResponseStream s(server.url());
  REQUIRE(s.open("GET", "/", {}) == "");
  std::string body;
  const auto until = ResponseStream::Clock::now() + std::chrono::seconds(2);
  while (body.empty() && ResponseStream::Clock::now() < until) s.read(until, &body);
  CHECK(body == "one");
  // Nothing more comes: a short wait answers 0 and the body is not over.
  CHECK(s.read(ResponseStream::Clock::now() + std::chrono::milliseconds(50), &body) == 0);
  CHECK_FALSE(s.ended());
  s.close();
}

TEST_CASE("response stream: Content-Length and until-close bodies", "[client]") {
  {
    CannedServer server({"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot", " found"},
                        /*hold=*/true);
    ResponseStream s(server.url());
    REQUIRE(s.open("GET", "/x", {}) == "");
    CHECK(s.status() == 404);
    CHECK(read_all(s) == "not found");
    CHECK(s.error() == "");
  }
  {
    CannedServer server({"HTTP/1.1 200 OK\r\n\r\nuntil", " close"});
    ResponseStream s(server.url());
    REQUIRE(s.open("GET", "/x", {}) == "");
    CHECK(read_all(s) == "until close");
    CHECK(s.ended());
    CHECK(s.error() == "");
  }
  {
    CannedServer server({"HTTP/1.1 204 No Content\r\n\r\n"}, /*hold=*/true);
    ResponseStream s(server.url());
    REQUIRE(s.open("DELETE", "/x", {}) == "");
    CHECK(read_all(s) == "");
    CHECK(s.ended());
  }
}

TEST_CASE("response stream: malformed and cut-short answers are errors", "[client]") {
  {
    CannedServer server({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"},
                        /*hold=*/true);
    ResponseStream s(server.url());
    REQUIRE(s.open("GET", "/", {}) == "");
    CHECK(read_all(s) == "");
    CHECK(s.ended());
    CHECK(s.error() == "a malformed chunk size line");
  }
  {
    CannedServer server({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"});
    ResponseStream s(server.url());
    REQUIRE(s.open("GET", "/", {}) == "");
    CHECK(read_all(s) == "ab");
    CHECK(s.error() == "the server closed the connection mid-body");
  }
  {
    CannedServer server({"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"});
    ResponseStream s(server.url());
    REQUIRE(s.open("GET", "/", {}) == "");
    CHECK(read_all(s) == "abc");
    CHECK_THAT(s.error(), Catch::Contains("7 bytes before the body's end"));
  }
  {
    CannedServer server({"SMTP ready\r\n\r\n"}, /*hold=*/true);
    ResponseStream s(server.url());
    CHECK(s.open("GET", "/", {}) == "a malformed answer header");
  }
  {
    CannedServer server({"HTTP/1.1 200 OK\r\n"});  // closes inside the header
    ResponseStream s(server.url());
    CHECK(s.open("GET", "/", {}) == "the server closed the connection");
  }
}
