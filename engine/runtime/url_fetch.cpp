#include "engine/runtime/url_fetch.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Url {
  bool tls = false;
  std::string scheme;     // "http" or "https"
  std::string host;       // without IPv6 brackets
  std::string authority;  // as written (Host header)
  std::string port;
  std::string target;  // path + query, never empty
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool parse_url(const std::string& url, Url* u, std::string* error) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      *error = "invalid url (spaces or control characters)";
      return false;
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    *error = "invalid url";
    return false;
  }
  u->scheme = lower(url.substr(0, sep));
  if (u->scheme != "http" && u->scheme != "https") {
    *error = "unsupported url scheme " + u->scheme;
    return false;
  }
  u->tls = u->scheme == "https";
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) end = url.size();
  u->authority = url.substr(start, end - start);
  u->target = url.substr(end);
  u->target = u->target.substr(0, u->target.find('#'));
  if (u->target.empty() || u->target[0] != '/') u->target = "/" + u->target;
  if (u->authority.find('@') != std::string::npos) {
    *error = "credentials in urls are not supported";
    return false;
  }
  std::string port;
  if (!u->authority.empty() && u->authority[0] == '[') {
    size_t close = u->authority.find(']');
    if (close == std::string::npos) {
      *error = "invalid url host";
      return false;
    }
    u->host = u->authority.substr(1, close - 1);
    std::string rest = u->authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        *error = "invalid url host";
        return false;
      }
      port = rest.substr(1);
    }
  } else {
    size_t colon = u->authority.find(':');
    u->host = u->authority.substr(0, colon);
    if (colon != std::string::npos) port = u->authority.substr(colon + 1);
  }
  if (u->host.empty()) {
    *error = "url has no host";
    return false;
  }
  if (port.empty()) {
    u->port = u->tls ? "443" : "80";
  } else {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                  [](unsigned char c) { return std::isdigit(c); });
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      *error = "invalid url port " + port;
      return false;
    }
    u->port = port;
  }
  return true;
}

// A redirect's Location, absolute or relative to `base`.
std::string resolve_location(const Url& base, const std::string& location) {
  size_t scheme_end = location.find("://");
  if (scheme_end != std::string::npos &&
      location.find_first_of("/?#") > scheme_end) {  // "scheme://..."
    return location;
  }
  std::string origin = base.scheme + "://" + base.authority;
  if (location.rfind("//", 0) == 0) return base.scheme + ":" + location;
  if (!location.empty() && location[0] == '/') return origin + location;
  std::string path = base.target.substr(0, base.target.find('?'));
  if (!location.empty() && location[0] == '?') return origin + path + location;
  return origin + path.substr(0, path.rfind('/') + 1) + location;
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Runs `ioc` until the operation `start` begins completes, or until the
// deadline; then `cancel` aborts it and its handler is drained (so nothing
// outlives this frame) and the result is timed_out.
template <class Start, class Cancel>
beast::error_code run_until(asio::io_context& ioc, Clock::time_point deadline, Start&& start,
                            Cancel&& cancel) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run_until(deadline);
  if (!result) {
    cancel();
    ioc.restart();
    ioc.run();
    return asio::error::timed_out;
  }
  return *result;
}

struct Response {
  unsigned status = 0;
  std::string reason;
  std::string location;
  std::string body;
};

class Fetcher {
 public:
  Fetcher(const FetchOptions& options, Clock::time_point deadline)
      : options_(options), deadline_(deadline) {}

  // One GET of `u`; false + *error (without the "GET <url>: " prefix).
  bool get(const Url& u, Response* out, std::string* error) {
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    auto ec = run_until(
        ioc_, deadline_,
        [&](auto done) {
          resolver.async_resolve(
              u.host, u.port,
              [&endpoints, done](beast::error_code e, tcp::resolver::results_type r) mutable {
                endpoints = std::move(r);
                done(e);
              });
        },
        [&] { resolver.cancel(); });
    if (ec) return fail("cannot resolve " + u.host, ec, error);
    if (!u.tls) {
      beast::tcp_stream stream(ioc_);
      return exchange(stream, stream, endpoints, u, out, error);
    }
    ssl::context ctx(ssl::context::tls_client);
    if (options_.verify_certificates) {
      ctx.set_default_verify_paths();
      ctx.set_verify_mode(ssl::verify_peer);
    } else {
      ctx.set_verify_mode(ssl::verify_none);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc_, ctx);
    if (options_.verify_certificates) {
      stream.set_verify_callback(ssl::host_name_verification(u.host));
    }
    boost::system::error_code addr_ec;
    asio::ip::make_address(u.host, addr_ec);
    if (addr_ec) {  // SNI is for names only
      SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
    }
    return exchange(stream, beast::get_lowest_layer(stream), endpoints, u, out, error);
  }

 private:
  bool fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    if (ec == asio::error::timed_out) {
      *error = "timed out after " + std::to_string(options_.timeout.count()) + " ms";
    } else if (ec == http::error::body_limit) {
      *error = "body over " + std::to_string(options_.max_body_bytes) + " bytes";
    } else {
      *error = what + ": " + ec.message();
    }
    return false;
  }

  template <class Stream>
  bool exchange(Stream& stream, beast::tcp_stream& tcp, const tcp::resolver::results_type& eps,
                const Url& u, Response* out, std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    auto ec = run_until(
        ioc_, deadline_, [&](auto done) { tcp.async_connect(eps, done); }, cancel);
    if (ec) return fail("cannot connect to " + u.authority, ec, error);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      ec = run_until(
          ioc_, deadline_,
          [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); }, cancel);
      if (ec) return fail("TLS handshake with " + u.authority, ec, error);
    }
    http::request<http::empty_body> req{http::verb::get, u.target, 11};
    req.set(http::field::host, u.authority);
    req.set(http::field::user_agent, "spime");
    req.set(http::field::accept, "*/*");
    req.set(http::field::connection, "close");
    ec = run_until(
        ioc_, deadline_, [&](auto done) { http::async_write(stream, req, done); }, cancel);
    if (ec) return fail("cannot send the request", ec, error);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    // read_some, not read: http::async_read parses eagerly, and Boost 1.74's
    // eager parse drops the body_limit error. The size check is a backstop.
    while (!parser.is_done()) {
      ec = run_until(
          ioc_, deadline_, [&](auto done) { http::async_read_some(stream, buffer, parser, done); },
          cancel);
      if (!ec && parser.get().body().size() > options_.max_body_bytes) ec = http::error::body_limit;
      if (ec) return fail("cannot read the response", ec, error);
    }
    auto& res = parser.get();
    out->status = res.result_int();
    out->reason = std::string(res.reason());
    if (out->reason.empty()) out->reason = std::string(http::obsolete_reason(res.result()));
    out->location = std::string(res[http::field::location]);
    out->body = std::move(res.body());
    tcp.close();
    return true;
  }

  const FetchOptions& options_;
  Clock::time_point deadline_;
  asio::io_context ioc_;
};

}  // namespace

bool is_http_url(const std::string& url) {
  std::string head = lower(url.substr(0, 8));
  return head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
}

bool fetch_url(const std::string& url, std::string* body, std::string* error,
               const FetchOptions& options) {
  Fetcher fetcher(options, Clock::now() + options.timeout);
  std::string current = url;
  for (int redirects = 0;; ++redirects) {
    Url u;
    std::string err;
    Response res;
    if (!parse_url(current, &u, &err) || !fetcher.get(u, &res, &err)) {
      *error = "GET " + current + ": " + err;
      return false;
    }
    std::string status = std::to_string(res.status) + " " + res.reason;
    if (is_redirect(res.status)) {
      if (res.location.empty()) {
        *error = "GET " + current + ": " + status + " without a Location";
        return false;
      }
      if (redirects >= options.max_redirects) {
        *error =
            "GET " + url + ": more than " + std::to_string(options.max_redirects) + " redirects";
        return false;
      }
      current = resolve_location(u, res.location);
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      *error = "GET " + current + ": " + status;
      return false;
    }
    *body = std::move(res.body);
    return true;
  }
}

}  // namespace spime::runtime
