#include "engine/runtime/outbound/http_request.h"

#include <boost/beast/http.hpp>
#include <cctype>
#include <map>

#include "engine/krl/ascii.h"
#include "engine/runtime/outbound/http_client.h"

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = http_client::Clock;
using http_client::is_redirect;
using http_client::run_until;
using http_client::Url;
using krl::lower_ascii;

constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

bool same_origin(const Url& a, const Url& b) {
  return a.scheme == b.scheme && lower_ascii(a.host) == lower_ascii(b.host) && a.port == b.port;
}

class Exchange {
 public:
  Exchange(const HttpRequestOptions& options, Clock::time_point deadline)
      : options_(options), deadline_(deadline) {}

  // One request to `u`; false + *error.
  bool send(const Url& u, const HttpRequest& req, HttpResponse* out, std::string* error) {
    return http_client::connect(ioc_, u, deadline_, options_.verify_certificates, options_.guard,
                                options_.timeout, error, [&](auto& stream, beast::tcp_stream& tcp) {
                                  return exchange(stream, tcp, u, req, out, error);
                                });
  }

 private:
  bool fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    if (ec == http::error::body_limit) {
      *error = "response larger than " + std::to_string(options_.max_response_bytes) + " bytes";
    } else if (ec == http::error::header_limit) {
      *error = "response headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
    } else {
      *error = http_client::describe(ec, what, options_.timeout);
    }
    return false;
  }

  template <class Stream>
  bool exchange(Stream& stream, beast::tcp_stream& tcp, const Url& u, const HttpRequest& in,
                HttpResponse* out, std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    http::request<http::string_body> req;
    req.version(11);
    http::verb verb = http::string_to_verb(in.method);
    if (verb == http::verb::unknown) {
      req.method_string(in.method);
    } else {
      req.method(verb);
    }
    req.target(u.target);
    req.set(http::field::host, u.authority);
    for (const auto& [name, value] : in.headers) req.insert(name, value);
    req.set(http::field::connection, "close");
    if (in.has_body) {
      req.body() = in.body;
      req.content_length(in.body.size());
    } else if (verb == http::verb::post || verb == http::verb::put) {
      req.content_length(0);  // as fetch
    }
    beast::error_code ec = run_until(
        ioc_, deadline_, [&](auto done) { http::async_write(stream, req, done); }, cancel);
    if (ec) return fail("cannot send the request", ec, error);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    parser.header_limit(kMaxHeaderBytes);
    if (verb == http::verb::head) parser.skip(true);
    // read_some, not read: http::async_read parses eagerly, and Boost 1.74's
    // eager parse drops the body_limit error. The size check is a backstop.
    bool dropped = false;
    while (!parser.is_done()) {
      ec = run_until(
          ioc_, deadline_, [&](auto done) { http::async_read_some(stream, buffer, parser, done); },
          cancel);
      if (!ec && parser.get().body().size() > options_.max_response_bytes) {
        ec = http::error::body_limit;
      }
      if (ec == http::error::body_limit && options_.drop_large_body && parser.is_header_done()) {
        dropped = true;
        break;
      }
      if (ec) return fail("cannot read the response", ec, error);
    }
    auto& res = parser.get();
    if (dropped) res.body().clear();
    out->status = res.result_int();
    out->reason = std::string(res.reason());
    std::map<std::string, std::string> headers;
    for (const auto& field : res) {
      std::string name = lower_ascii(std::string(field.name_string()));
      std::string& v = headers[name];
      v += (v.empty() ? "" : ", ") + std::string(field.value());
    }
    out->headers.assign(headers.begin(), headers.end());
    out->body = std::move(res.body());
    beast::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp.close();
    return true;
  }

  const HttpRequestOptions& options_;
  Clock::time_point deadline_;
  asio::io_context ioc_;
};

}  // namespace

const std::string* HttpResponse::header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

std::string status_line(const HttpResponse& response) {
  std::string reason = response.reason;
  if (reason.empty())
    reason = std::string(http::obsolete_reason(http::int_to_status(response.status)));
  return std::to_string(response.status) + " " + reason;
}

bool send_http_request(const HttpRequest& request, const HttpRequestOptions& options,
                       HttpResponse* response, std::string* error) {
  Exchange exchange(options, Clock::now() + options.timeout);
  HttpRequest current = request;
  Url u;
  if (!http_client::parse_url(current.url, &u, error)) return false;
  for (int redirects = 0;; ++redirects) {
    HttpResponse res;
    if (!exchange.send(u, current, &res, error)) return false;
    res.url = current.url;
    const std::string* location = res.header("location");
    if (!is_redirect(res.status) || !location) {
      *response = std::move(res);
      return true;
    }
    std::string next = http_client::resolve_location(u, *location);
    if (!options.follow_redirects) {
      for (auto& [name, value] : res.headers) {
        if (name == "location") value = next;
      }
      *response = std::move(res);
      return true;
    }
    if (redirects >= options.max_redirects) {
      *error = "more than " + std::to_string(options.max_redirects) + " redirects";
      return false;
    }
    Url nu;
    if (!http_client::parse_url(next, &nu, error)) {
      *error = "redirect to " + next + ": " + *error;
      return false;
    }
    if (res.status == 303 ||
        ((res.status == 301 || res.status == 302) && current.method == "POST")) {
      current.method = "GET";
      current.has_body = false;
      current.body.clear();
    }
    if (!same_origin(u, nu)) {
      // Credentials stay with the origin they were meant for.
      std::vector<std::pair<std::string, std::string>> kept;
      for (auto& h : current.headers) {
        std::string n = lower_ascii(h.first);
        if (n != "authorization" && n != "cookie") kept.push_back(std::move(h));
      }
      current.headers = std::move(kept);
    }
    current.url = next;
    u = nu;
  }
}

}  // namespace spime::runtime
