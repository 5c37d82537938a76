#include "devices/http_client.h"

#include <optional>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace spime::devices {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

bool parse_loopback_url(const std::string& url, LoopbackUrl* out, std::string* error) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    *error = "url must start with http:// (got '" + url + "')";
    return false;
  }
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find('/') != std::string::npos) {
    *error = "url must be http://HOST:PORT (got '" + url + "')";
    return false;
  }
  const std::string host = rest.substr(0, colon);
  const std::string port = rest.substr(colon + 1);
  if (host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
    *error = "only loopback hosts are allowed (got '" + host + "')";
    return false;
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    *error = "bad port '" + port + "'";
    return false;
  }
  out->host = host == "[::1]" ? "::1" : host;
  out->port = static_cast<unsigned short>(std::stoul(port));
  return true;
}

struct HttpClient::Impl {
  LoopbackUrl url;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued async operations; every one carries the stream's expiry,
  // so this returns within `timeout` of the last expires_after().
  void drain() {
    ioc.restart();
    ioc.run();
  }

  beast::error_code connect() {
    stream.emplace(ioc);
    buffer.clear();
    beast::error_code result;
    tcp::endpoint endpoint(net::ip::make_address(url.host), url.port);
    stream->expires_after(timeout);
    stream->async_connect(endpoint, [&result](beast::error_code ec) { result = ec; });
    drain();
    if (result) stream.reset();
    return result;
  }

  // One exchange on the open stream. *response_started tells whether the failure
  // came after response bytes arrived (then a retry could double an event).
  beast::error_code exchange(http::request<http::string_body>& req,
                             http::response_parser<http::string_body>& parser,
                             bool* response_started) {
    beast::error_code result;
    *response_started = false;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_read(*stream, buffer, parser, [&](beast::error_code rec, std::size_t n) {
        result = rec;
        *response_started = n > 0;
      });
    });
    drain();
    return result;
  }
};

HttpClient::HttpClient(LoopbackUrl url, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::string& body) {
  HttpResult out;
  http::request<http::string_body> req{method == "POST" ? http::verb::post : http::verb::get,
                                       target, 11};
  req.set(http::field::host, impl_->url.host + ":" + std::to_string(impl_->url.port));
  req.set(http::field::user_agent, "esproto-fleet");
  req.keep_alive(true);
  if (method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();

  // A reused connection may have been closed by the server while idle: retry
  // once on a fresh connection, but only if no response had begun.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->stream.has_value();
    if (!reused) {
      if (auto ec = impl_->connect()) {
        out.error = "connect: " + ec.message();
        return out;
      }
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    bool response_started = false;
    auto ec = impl_->exchange(req, parser, &response_started);
    if (!ec) {
      const auto& res = parser.get();
      out.status = static_cast<int>(res.result_int());
      out.body = res.body();
      if (!res.keep_alive()) impl_->stream.reset();
      return out;
    }
    impl_->stream.reset();
    if (!reused || response_started || ec == beast::error::timeout) {
      out.error = ec.message();
      return out;
    }
  }
  out.error = "connection closed twice";
  return out;
}

}  // namespace spime::devices
