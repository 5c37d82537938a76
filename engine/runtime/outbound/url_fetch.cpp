#include "engine/runtime/outbound/url_fetch.h"

#include <boost/beast/http.hpp>
#include <cctype>
#include <type_traits>

#include "engine/runtime/outbound/http_client.h"

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = http_client::Clock;
using http_client::is_redirect;
using http_client::lower;
using http_client::parse_url;
using http_client::resolve_location;
using http_client::run_until;
using http_client::Url;

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
    return http_client::connect(
        ioc_, u, deadline_, options_.verify_certificates, options_.timeout, error,
        [&](auto& stream, beast::tcp_stream& tcp) { return exchange(stream, tcp, u, out, error); });
  }

 private:
  bool fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    *error = ec == http::error::body_limit
                 ? "body over " + std::to_string(options_.max_body_bytes) + " bytes"
                 : http_client::describe(ec, what, options_.timeout);
    return false;
  }

  template <class Stream>
  bool exchange(Stream& stream, beast::tcp_stream& tcp, const Url& u, Response* out,
                std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    http::request<http::empty_body> req{http::verb::get, u.target, 11};
    req.set(http::field::host, u.authority);
    req.set(http::field::user_agent, "spime");
    req.set(http::field::accept, "*/*");
    req.set(http::field::connection, "close");
    beast::error_code ec = run_until(
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
