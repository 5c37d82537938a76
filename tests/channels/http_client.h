// A small synchronous Beast HTTP client for the tests: one keep-alive
// connection, one request at a time.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace spime::channels::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct ClientResponse {
  int status = 0;
  std::string body;
  http::response<http::string_body> raw;
  std::string header(const std::string& name) const { return std::string(raw[name]); }
};

class HttpClient {
 public:
  explicit HttpClient(unsigned short port) : socket_(ioc_) {
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
  }

  ClientResponse request(http::verb verb, const std::string& target, const std::string& body = "",
                         const std::string& content_type = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) req.insert(k, v);
    req.body() = body;
    if (!body.empty() || verb == http::verb::post) req.prepare_payload();
    http::write(socket_, req);
    return read();
  }
  ClientResponse get(const std::string& target) { return request(http::verb::get, target); }
  ClientResponse post_json(const std::string& target, const std::string& json) {
    return request(http::verb::post, target, json, "application/json");
  }

  // Raw bytes, for malformed requests.
  void send_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }
  // As send_raw, for bytes the server may refuse before reading them all:
  // false when it closed the connection first.
  bool try_send_raw(const std::string& bytes) {
    beast::error_code ec;
    net::write(socket_, net::buffer(bytes), ec);
    return !ec;
  }

  ClientResponse read() {
    ClientResponse r;
    http::read(socket_, buffer_, r.raw);
    r.status = static_cast<int>(r.raw.result_int());
    r.body = r.raw.body();
    return r;
  }

  // True when the server closed the connection (EOF on the next read).
  bool closed_by_server() {
    beast::error_code ec;
    char c;
    socket_.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  net::ip::tcp::socket& socket() { return socket_; }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace spime::channels::testing
