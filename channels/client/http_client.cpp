// Beast's blocking calls cannot time out, so every call here starts Beast's
// async operations (each with the stream's expiry set to the call's
// deadline) on the client's private io_context and runs it until they are
// done: blocking to the caller, bounded in time.
#include "channels/client/http_client.h"

#include <strings.h>

#include <cctype>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace spime::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string bracketed(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

bool has_header(const Headers& headers, const char* name) {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name) == 0) return true;
  }
  return false;
}

}  // namespace

// ---- urls ----------------------------------------------------------------------

std::string Url::to_string() const {
  return "http://" + bracketed(host) + ":" + std::to_string(port) + base;
}

bool parse_url(const std::string& text, Url* out, std::string* error) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) {
    *error = "the url must start with http:// (got '" + text + "')";
    return false;
  }
  const std::string rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos || path.find_first_of("?#") != std::string::npos) {
    *error = "the url must be http://HOST[:PORT][/BASE] (got '" + text + "')";
    return false;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      *error = "the url has a space or a control character";
      return false;
    }
  }
  Url url;
  std::string::size_type colon = std::string::npos;
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos ||
        (close + 1 < authority.size() && authority[close + 1] != ':')) {
      *error = "bad bracketed host in '" + text + "'";
      return false;
    }
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) colon = close + 1;
  } else {
    colon = authority.find(':');
    if (colon != std::string::npos && authority.find(':', colon + 1) != std::string::npos) {
      *error = "an IPv6 address must be in brackets (http://[::1]:3000)";
      return false;
    }
    url.host = authority.substr(0, colon);
  }
  if (url.host.empty()) {
    *error = "no host in '" + text + "'";
    return false;
  }
  if (colon != std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (!all_digits(port) || port.size() > 5 || std::stoul(port) == 0 || std::stoul(port) > 65535) {
      *error = "bad port '" + port + "' in '" + text + "'";
      return false;
    }
    url.port = static_cast<unsigned short>(std::stoul(port));
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  url.base = path;
  *out = std::move(url);
  return true;
}

bool is_loopback_host(const std::string& host) {
  if (strcasecmp(host.c_str(), "localhost") == 0) return true;
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']')
    bare = bare.substr(1, bare.size() - 2);
  boost::system::error_code ec;
  const auto address = net::ip::make_address(bare, ec);
  return !ec && address.is_loopback();
}

std::string Response::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

// ---- the connection ----------------------------------------------------------------

struct HttpClient::Impl {
  Url url;
  Options options;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  bool reusable = false;  // open, and the last answer allowed another request
  beast::flat_buffer buffer;

  // Runs the queued operations; each carries the stream's expiry, so this
  // returns by the deadline.
  void run() {
    ioc.restart();
    ioc.run();
  }

  std::string describe(const beast::error_code& ec) const {
    if (ec == beast::error::timeout)
      return "timed out after " + std::to_string(options.timeout.count()) + " ms";
    if (ec == net::error::connection_refused) return "connection refused";
    if (ec == net::error::connection_reset) return "connection reset by the server";
    if (ec == http::error::end_of_stream || ec == net::error::eof)
      return "the server closed the connection";
    if (ec == http::error::body_limit)
      return "answer body over " + std::to_string(options.max_body_bytes) + " bytes";
    return ec.message();
  }

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream->close();
    }
    stream.reset();
    reusable = false;
    buffer.clear();
  }

  // Opens a new connection; "" on success.
  std::string open(Clock::time_point deadline) {
    close();
    std::vector<tcp::endpoint> endpoints;
    beast::error_code ec;
    const auto address = net::ip::make_address(url.host, ec);
    if (!ec) {
      endpoints.emplace_back(address, url.port);
    } else {
      tcp::resolver resolver(ioc);
      auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
      if (ec) return "cannot resolve " + url.host + ": " + ec.message();
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    if (Clock::now() >= deadline) return describe(beast::error::timeout);
    stream.emplace(ioc);
    stream->expires_at(deadline);
    beast::error_code result;
    stream->async_connect(endpoints,
                          [&result](beast::error_code e, const tcp::endpoint&) { result = e; });
    run();
    if (result) {
      stream.reset();
      return describe(result);
    }
    reusable = true;
    return {};
  }

  // One request and its answer on the open stream. *started tells whether
  // any byte of an answer had come when it failed.
  beast::error_code exchange(http::request<http::string_body>& req,
                             http::response_parser<http::string_body>& parser,
                             Clock::time_point deadline, bool* started) {
    beast::error_code result;
    stream->expires_at(deadline);
    http::async_write(*stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        return;
      }
      read_answer(parser, [&](beast::error_code rec) { result = rec; });
    });
    run();
    *started = parser.got_some() || buffer.size() > 0;
    return result;
  }

  // Reads an answer into `parser`: its header first, then the body. A
  // Content-Length over max_body_bytes is http::error::body_limit before any
  // of the body is read: Boost 1.74's parser misses it when header and body
  // come in one read, as a whole-message async_read does.
  template <class Done>
  void read_answer(http::response_parser<http::string_body>& parser, Done done) {
    http::async_read_header(
        *stream, buffer, parser, [this, &parser, done](beast::error_code ec, std::size_t) {
          if (!ec && parser.content_length() && *parser.content_length() > options.max_body_bytes)
            ec = http::error::body_limit;
          if (ec || parser.is_done()) return done(ec);
          http::async_read(*stream, buffer, parser,
                           [done](beast::error_code rec, std::size_t) { done(rec); });
        });
  }

  void prepare(http::response_parser<http::string_body>& parser) const {
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(kMaxHeaderBytes);
  }

  static Response answer(const http::response<http::string_body>& res) {
    Response out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return out;
  }

  // The request as Beast will write it; false (and *error) when it cannot be.
  bool build(const std::string& method, const std::string& target, const std::string& body,
             const Headers& headers, http::request<http::string_body>* req, std::string* error) {
    try {
      req->version(11);
      const http::verb verb = http::string_to_verb(method);
      if (verb == http::verb::unknown) {
        req->method_string(method);
      } else {
        req->method(verb);
      }
      req->target(url.base + target);
      if (!has_header(headers, "Host")) {
        req->set(http::field::host,
                 bracketed(url.host) + (url.port == 80 ? "" : ":" + std::to_string(url.port)));
      }
      if (!options.user_agent.empty() && !has_header(headers, "User-Agent"))
        req->set(http::field::user_agent, options.user_agent);
      for (const auto& [name, value] : headers) req->insert(name, value);
      req->keep_alive(options.keep_alive);
      req->body() = body;
      req->prepare_payload();
      return true;
    } catch (const std::exception& e) {
      *error = std::string("cannot send this request: ") + e.what();
      return false;
    }
  }
};

HttpClient::HttpClient(Url url, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() {
  impl_->close();
}

const Url& HttpClient::url() const {
  return impl_->url;
}

Response HttpClient::request(const std::string& method, const std::string& target,
                             const std::string& body, const Headers& headers) {
  Response out;
  http::request<http::string_body> req;
  if (!impl_->build(method, target, body, headers, &req, &out.error)) return out;
  const auto deadline = Clock::now() + impl_->options.timeout;
  // A reused connection may have been closed by the server while idle: send
  // once more on a fresh one, but only if no answer had begun.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->stream.has_value() && impl_->reusable;
    if (!reused) {
      if (std::string why = impl_->open(deadline); !why.empty()) {
        out.error = why;
        return out;
      }
    }
    http::response_parser<http::string_body> parser;
    impl_->prepare(parser);
    bool started = false;
    const beast::error_code ec = impl_->exchange(req, parser, deadline, &started);
    if (!ec) {
      out = Impl::answer(parser.get());
      impl_->reusable = out.keep_alive;
      return out;
    }
    impl_->close();
    if (!reused || started || ec == beast::error::timeout) {
      out.error = impl_->describe(ec);
      return out;
    }
  }
  out.error = "the server closed the connection twice";
  return out;
}

std::string HttpClient::connect() {
  if (impl_->stream && impl_->reusable) return {};
  return impl_->open(Clock::now() + impl_->options.timeout);
}

void HttpClient::close() {
  impl_->close();
}

std::string HttpClient::send_raw(const std::string& bytes) {
  const auto deadline = Clock::now() + impl_->options.timeout;
  if (!impl_->stream) {
    if (std::string why = impl_->open(deadline); !why.empty()) return why;
  }
  beast::error_code result;
  impl_->stream->expires_at(deadline);
  net::async_write(*impl_->stream, net::buffer(bytes),
                   [&result](beast::error_code ec, std::size_t) { result = ec; });
  impl_->run();
  return result ? impl_->describe(result) : std::string();
}

Response HttpClient::read_response() {
  Response out;
  if (!impl_->stream) {
    out.error = "no connection";
    return out;
  }
  http::response_parser<http::string_body> parser;
  impl_->prepare(parser);
  beast::error_code result;
  impl_->stream->expires_after(impl_->options.timeout);
  impl_->read_answer(parser, [&result](beast::error_code ec) { result = ec; });
  impl_->run();
  if (result) {
    out.error = impl_->describe(result);
    return out;
  }
  out = Impl::answer(parser.get());
  impl_->reusable = out.keep_alive;
  return out;
}

bool HttpClient::closed_by_server() {
  if (!impl_->stream) return true;
  if (impl_->buffer.size() > 0) return false;  // bytes the server sent are still unread
  char byte = 0;
  beast::error_code result;
  impl_->stream->expires_after(impl_->options.timeout);
  impl_->stream->async_read_some(net::buffer(&byte, 1),
                                 [&result](beast::error_code ec, std::size_t) { result = ec; });
  impl_->run();
  const bool closed = result == net::error::eof || result == net::error::connection_reset;
  // A timeout closes Beast's stream: either way nothing more can be sent on it.
  if (closed || result == beast::error::timeout) impl_->close();
  if (!result) impl_->reusable = false;  // a byte nobody asked for: the stream is out of step
  return closed;
}

void HttpClient::shutdown_send() {
  if (!impl_->stream) return;
  beast::error_code ignored;
  impl_->stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  impl_->reusable = false;
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace spime::client
