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
#include <boost/beast/ssl.hpp>

#include "engine/runtime/outbound/http_client.h"

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
  return (tls ? "https://" : "http://") + bracketed(host) + ":" + std::to_string(port) + base;
}

std::string Url::host_header() const {
  return bracketed(host) + (port == (tls ? 443 : 80) ? "" : ":" + std::to_string(port));
}

bool parse_url(const std::string& text, Url* out, std::string* error) {
  const bool tls = strncasecmp(text.c_str(), "https://", 8) == 0;
  if (!tls && strncasecmp(text.c_str(), "http://", 7) != 0) {
    *error = "the url must start with http:// or https:// (got '" + text + "')";
    return false;
  }
  const std::string rest = text.substr(tls ? 8 : 7);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos || path.find_first_of("?#") != std::string::npos) {
    *error = "the url must be http[s]://HOST[:PORT][/BASE] (got '" + text + "')";
    return false;
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      *error = "the url has a space or a control character";
      return false;
    }
  }
  Url url;
  url.tls = tls;
  url.port = tls ? 443 : 80;
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
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  Url url;
  Options options;
  net::io_context ioc;
  std::optional<net::ssl::context> tls_context;  // made on the first https connection
  // The connection: `stream` (http) or `tls` (https), never both.
  std::optional<beast::tcp_stream> stream;
  std::optional<TlsStream> tls;
  bool reusable = false;  // open, and the last answer allowed another request
  beast::flat_buffer buffer;

  bool is_open() const { return stream.has_value() || tls.has_value(); }
  beast::tcp_stream& lower() { return tls ? beast::get_lowest_layer(*tls) : *stream; }
  // f(the open stream, whichever it is).
  template <class F>
  decltype(auto) with_stream(F&& f) {
    if (tls) return f(*tls);
    return f(*stream);
  }

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
    if (is_open()) {
      beast::error_code ignored;
      lower().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lower().close();
    }
    tls.reset();
    stream.reset();
    reusable = false;
    buffer.clear();
  }

  // Opens a new connection (and, for https, shakes hands); "" on success.
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
    if (url.tls) {
      if (!tls_context) {
        tls_context.emplace(net::ssl::context::tls_client);
        std::string why;
        if (!runtime::http_client::configure_client_tls(*tls_context, options.cafile, true, &why)) {
          tls_context.reset();
          return why;
        }
      }
      tls.emplace(ioc, *tls_context);
      runtime::http_client::prepare_client_stream(*tls, url.host, true);
    } else {
      stream.emplace(ioc);
    }
    lower().expires_at(deadline);
    beast::error_code result;
    lower().async_connect(endpoints,
                          [&result](beast::error_code e, const tcp::endpoint&) { result = e; });
    run();
    if (!result && tls) {
      tls->async_handshake(net::ssl::stream_base::client,
                           [&result](beast::error_code e) { result = e; });
      run();
      if (result) {
        const std::string why = "TLS handshake with " + url.host_header() + ": " + describe(result);
        tls.reset();
        return why;
      }
    }
    if (result) {
      tls.reset();
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
    lower().expires_at(deadline);
    with_stream([&](auto& s) {
      http::async_write(s, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          result = ec;
          return;
        }
        read_answer(parser, [&](beast::error_code rec) { result = rec; });
      });
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
    with_stream([&](auto& s) {
      http::async_read_header(
          s, buffer, parser, [this, &s, &parser, done](beast::error_code ec, std::size_t) {
            if (!ec && parser.content_length() && *parser.content_length() > options.max_body_bytes)
              ec = http::error::body_limit;
            if (ec || parser.is_done()) return done(ec);
            http::async_read(s, buffer, parser,
                             [done](beast::error_code rec, std::size_t) { done(rec); });
          });
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
      if (!has_header(headers, "Host")) req->set(http::field::host, url.host_header());
      if (!options.user_agent.empty() && !has_header(headers, "User-Agent"))
        req->set(http::field::user_agent, options.user_agent);
      if (!options.bearer_token.empty() && !has_header(headers, "Authorization"))
        req->set(http::field::authorization, "Bearer " + options.bearer_token);
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
    const bool reused = impl_->is_open() && impl_->reusable;
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
  if (impl_->is_open() && impl_->reusable) return {};
  return impl_->open(Clock::now() + impl_->options.timeout);
}

void HttpClient::close() {
  impl_->close();
}

std::string HttpClient::send_raw(const std::string& bytes) {
  const auto deadline = Clock::now() + impl_->options.timeout;
  if (!impl_->is_open()) {
    if (std::string why = impl_->open(deadline); !why.empty()) return why;
  }
  beast::error_code result;
  impl_->lower().expires_at(deadline);
  impl_->with_stream([&](auto& s) {
    net::async_write(s, net::buffer(bytes),
                     [&result](beast::error_code ec, std::size_t) { result = ec; });
  });
  impl_->run();
  return result ? impl_->describe(result) : std::string();
}

Response HttpClient::read_response() {
  Response out;
  if (!impl_->is_open()) {
    out.error = "no connection";
    return out;
  }
  http::response_parser<http::string_body> parser;
  impl_->prepare(parser);
  beast::error_code result;
  impl_->lower().expires_after(impl_->options.timeout);
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
  if (!impl_->is_open()) return true;
  if (impl_->buffer.size() > 0) return false;  // bytes the server sent are still unread
  char byte = 0;
  beast::error_code result;
  impl_->lower().expires_after(impl_->options.timeout);
  impl_->with_stream([&](auto& s) {
    s.async_read_some(net::buffer(&byte, 1),
                      [&result](beast::error_code ec, std::size_t) { result = ec; });
  });
  impl_->run();
  // TLS: a close without close_notify reads as a truncated stream.
  const bool closed = result == net::error::eof || result == net::error::connection_reset ||
                      result == net::ssl::error::stream_truncated;
  // A timeout closes Beast's stream: either way nothing more can be sent on it.
  if (closed || result == beast::error::timeout) impl_->close();
  if (!result) impl_->reusable = false;  // a byte nobody asked for: the stream is out of step
  return closed;
}

void HttpClient::shutdown_send() {
  if (!impl_->is_open()) return;
  beast::error_code ignored;
  impl_->lower().socket().shutdown(tcp::socket::shutdown_send, ignored);
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
