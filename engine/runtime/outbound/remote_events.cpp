#include "engine/runtime/outbound/remote_events.h"

#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdint>
#include <exception>
#include <limits>

#include "engine/runtime/outbound/http_client.h"
#include "engine/runtime/records/delivery_records.h"

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = http_client::Clock;
using http_client::run_until;
using http_client::Url;

// One path segment, percent-encoded.
std::string percent_encode(const std::string& segment) {
  std::string out;
  out.reserve(segment.size());
  http_client::percent_encode(segment, &out);
  return out;
}

// Splits the event's URL. The event path is percent-encoded, so a '?' or
// '#' can only come from the host, which must not have them.
bool parse_target(const std::string& url, Url* t, std::string* error) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    *error = "host is not an http:// or https:// url";
    return false;
  }
  std::string scheme = url.substr(0, sep);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") {
    *error = "unsupported url scheme " + scheme + " (host must be http:// or https://)";
    return false;
  }
  if (url.find_first_of("?#") != std::string::npos) {
    *error = "host must not have a query or fragment";
    return false;
  }
  return http_client::parse_url(url, t, error);
}

// One POST of a JSON body: the answer's status, or 0 + *error when none came.
class Poster {
 public:
  Poster(Clock::time_point deadline, std::chrono::milliseconds timeout)
      : deadline_(deadline), timeout_(timeout) {}

  unsigned post(const Url& t, const RemoteEvent& e, std::string* error) {
    unsigned status = 0;
    http_client::connect(ioc_, t, deadline_, /*verify=*/true, timeout_, error,
                         [&](auto& stream, beast::tcp_stream& tcp) {
                           status = exchange(stream, tcp, t, e, error);
                           return status != 0;
                         });
    return status;
  }

 private:
  unsigned fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    *error = http_client::describe(ec, what, timeout_);
    return 0;
  }

  template <class Stream>
  unsigned exchange(Stream& stream, beast::tcp_stream& tcp, const Url& t, const RemoteEvent& e,
                    std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    http::request<http::string_body> req{http::verb::post, t.target, 11};
    req.set(http::field::host, t.authority);
    req.set(http::field::user_agent, "spime");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    // A spime receiver answers only once the event is processed and durable
    // (channels/routes.cpp); other engines ignore the header.
    req.set("X-Spime-Ack", "processed");
    // Who sends and which event, the same on every try: a spime receiver
    // runs it once (runtime/records/delivery_records.h).
    if (!e.sender.empty() && e.event_id != 0) {
      req.set(delivery_records::kSenderHeader, e.sender);
      req.set(delivery_records::kEventIdHeader, std::to_string(e.event_id));
    }
    req.body() = e.attrs_json;
    req.prepare_payload();
    beast::error_code ec = run_until(
        ioc_, deadline_, [&](auto done) { http::async_write(stream, req, done); }, cancel);
    if (ec) return fail("cannot send the request", ec, error);

    // buffer_body: the body streams through a small chunk and is discarded,
    // so no Content-Length can make us allocate; we count and cap it ourselves.
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    // Not boost::none: Boost 1.74 compares Content-Length against the optional
    // and treats none as smaller than any length.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    ec = run_until(
        ioc_, deadline_, [&](auto done) { http::async_read_header(stream, buffer, parser, done); },
        cancel);
    if (ec) return fail("cannot read the response", ec, error);
    unsigned status = parser.get().result_int();
    if (status < 200 || status >= 300) {
      std::string reason(parser.get().reason());
      if (reason.empty()) reason = std::string(http::obsolete_reason(parser.get().result()));
      *error = std::to_string(status) + " " + reason;
      tcp.close();
      return status;
    }
    // The event was accepted; drain up to the cap so the peer sees an orderly
    // exchange, but a long or broken body is no failure of ours.
    char chunk[8192];
    std::size_t seen = 0;
    while (!parser.is_done() && seen <= kMaxResponseBytes) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      ec = run_until(
          ioc_, deadline_, [&](auto done) { http::async_read(stream, buffer, parser, done); },
          cancel);
      if (ec && ec != http::error::need_buffer) break;
      seen += sizeof chunk - parser.get().body().size;
    }
    tcp.close();
    return status;
  }

  Clock::time_point deadline_;
  std::chrono::milliseconds timeout_;
  asio::io_context ioc_;
};

}  // namespace

std::string remote_event_url(const RemoteEvent& e) {
  std::string host = e.host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host + "/c/" + percent_encode(e.eci) + "/event/" + percent_encode(e.domain) + "/" +
         percent_encode(e.name);
}

PostOutcome::Kind classify_status(unsigned status) {
  if (status >= 200 && status < 300) return PostOutcome::Kind::kAccepted;
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) {
    return PostOutcome::Kind::kRetry;
  }
  return PostOutcome::Kind::kRefused;
}

std::string remote_host_error(const std::string& host) {
  Url t;
  std::string error;
  if (parse_target(remote_event_url(RemoteEvent{host, "e", "d", "n", ""}), &t, &error)) return "";
  return error;
}

PostOutcome post_remote_event(const RemoteEvent& e, std::chrono::milliseconds timeout,
                              const std::atomic<bool>* abort) {
  http_client::AbortScope scope(abort);
  PostOutcome out;
  std::string url = remote_event_url(e);
  try {
    Url t;
    if (!parse_target(url, &t, &out.error)) {
      out.kind = PostOutcome::Kind::kRefused;
      return out;
    }
    out.status = Poster(Clock::now() + timeout, timeout).post(t, e, &out.error);
  } catch (const std::exception& ex) {  // e.g. an SSL context that cannot be made
    out.status = 0;
    out.error = ex.what();
  }
  out.kind = out.status == 0 ? PostOutcome::Kind::kRetry : classify_status(out.status);
  if (out.kind == PostOutcome::Kind::kAccepted) out.error.clear();
  return out;
}

}  // namespace spime::runtime
