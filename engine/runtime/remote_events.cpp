#include "engine/runtime/remote_events.h"

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
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <type_traits>

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percent_encode(const std::string& segment) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (unsigned char c : segment) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// An http(s) URL split for one request. The event path is percent-encoded,
// so a '?' or '#' can only come from the host, which must not have them.
struct Target {
  bool tls = false;
  std::string host;       // without IPv6 brackets
  std::string authority;  // as written (Host header)
  std::string port;
  std::string path;
};

bool parse_target(const std::string& url, Target* t, std::string* error) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      *error = "host is not a valid url (spaces or control characters)";
      return false;
    }
  }
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
  t->tls = scheme == "https";
  size_t start = sep + 3;
  size_t end = url.find('/', start);
  if (end == std::string::npos) end = url.size();
  t->authority = url.substr(start, end - start);
  t->path = url.substr(end);
  if (t->path.empty()) t->path = "/";
  if (t->authority.find('@') != std::string::npos) {
    *error = "credentials in urls are not supported";
    return false;
  }
  std::string port;
  if (!t->authority.empty() && t->authority[0] == '[') {
    size_t close = t->authority.find(']');
    std::string rest = close == std::string::npos ? "" : t->authority.substr(close + 1);
    if (close == std::string::npos || (!rest.empty() && rest[0] != ':')) {
      *error = "invalid url host " + t->authority;
      return false;
    }
    t->host = t->authority.substr(1, close - 1);
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = t->authority.find(':');
    t->host = t->authority.substr(0, colon);
    if (colon != std::string::npos) port = t->authority.substr(colon + 1);
  }
  if (t->host.empty()) {
    *error = "url has no host";
    return false;
  }
  if (port.empty()) {
    t->port = t->tls ? "443" : "80";
    return true;
  }
  bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                [](unsigned char c) { return std::isdigit(c); });
  if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    *error = "invalid url port " + port;
    return false;
  }
  t->port = port;
  return true;
}

// Runs `ioc` until the operation `start` begins completes or the deadline
// passes; then `cancel` aborts it and its handler is drained (nothing outlives
// the caller's frame) and the result is timed_out.
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

// One POST of a JSON body; the status line on success, false + *error otherwise.
class Poster {
 public:
  Poster(Clock::time_point deadline, std::chrono::milliseconds timeout)
      : deadline_(deadline), timeout_(timeout) {}

  bool post(const Target& t, const std::string& body, std::string* error) {
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    auto ec = run_until(
        ioc_, deadline_,
        [&](auto done) {
          resolver.async_resolve(
              t.host, t.port,
              [&endpoints, done](beast::error_code e, tcp::resolver::results_type r) mutable {
                endpoints = std::move(r);
                done(e);
              });
        },
        [&] { resolver.cancel(); });
    if (ec) return fail("cannot resolve " + t.host, ec, error);
    if (!t.tls) {
      beast::tcp_stream stream(ioc_);
      return exchange(stream, stream, endpoints, t, body, error);
    }
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc_, ctx);
    stream.set_verify_callback(ssl::host_name_verification(t.host));
    boost::system::error_code addr_ec;
    asio::ip::make_address(t.host, addr_ec);
    if (addr_ec) SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str());  // names only
    return exchange(stream, beast::get_lowest_layer(stream), endpoints, t, body, error);
  }

 private:
  bool fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    if (ec == asio::error::timed_out) {
      *error = "timed out after " + std::to_string(timeout_.count()) + " ms";
    } else {
      *error = what + ": " + ec.message();
    }
    return false;
  }

  template <class Stream>
  bool exchange(Stream& stream, beast::tcp_stream& tcp, const tcp::resolver::results_type& eps,
                const Target& t, const std::string& body, std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    auto ec = run_until(
        ioc_, deadline_, [&](auto done) { tcp.async_connect(eps, done); }, cancel);
    if (ec) return fail("cannot connect to " + t.authority, ec, error);
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      ec = run_until(
          ioc_, deadline_,
          [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); }, cancel);
      if (ec) return fail("TLS handshake with " + t.authority, ec, error);
    }
    http::request<http::string_body> req{http::verb::post, t.path, 11};
    req.set(http::field::host, t.authority);
    req.set(http::field::user_agent, "spime");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    req.body() = body;
    req.prepare_payload();
    ec = run_until(
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
      return false;
    }
    // The event was accepted; drain up to the cap so the peer sees an orderly
    // exchange, but a long or broken body is no failure of ours.
    char chunk[8192];
    std::size_t seen = 0;
    while (!parser.is_done() && seen <= RemoteEventSender::kMaxResponseBytes) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      ec = run_until(
          ioc_, deadline_, [&](auto done) { http::async_read(stream, buffer, parser, done); },
          cancel);
      if (ec && ec != http::error::need_buffer) break;
      seen += sizeof chunk - parser.get().body().size;
    }
    tcp.close();
    return true;
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

RemoteEventSender::RemoteEventSender(Options options, std::function<void(const std::string&)> log)
    : options_(options), log_(std::move(log)), worker_([this] { run(); }) {}

RemoteEventSender::~RemoteEventSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    grace_deadline_ = Clock::now() + options_.timeout;
  }
  work_cv_.notify_all();
  worker_.join();
}

bool RemoteEventSender::submit(RemoteEvent e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.capacity) return false;
    queue_.push_back(std::move(e));
  }
  work_cv_.notify_one();
  return true;
}

bool RemoteEventSender::wait_idle(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, max_wait, [this] { return queue_.empty() && !busy_; });
}

void RemoteEventSender::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and everything was delivered
    auto now = Clock::now();
    if (stopping_ && now >= grace_deadline_) {
      size_t dropped = queue_.size();
      queue_.clear();
      idle_cv_.notify_all();
      lock.unlock();
      emit("event:send: shutting down, abandoned " + std::to_string(dropped) +
           " queued remote event(s)");
      return;
    }
    RemoteEvent e = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    auto deadline = now + options_.timeout;
    if (stopping_) deadline = std::min(deadline, grace_deadline_);
    lock.unlock();
    deliver(e, deadline);
    lock.lock();
    busy_ = false;
    idle_cv_.notify_all();
  }
}

void RemoteEventSender::deliver(const RemoteEvent& e, Clock::time_point deadline) {
  std::string url = remote_event_url(e);
  std::string error;
  try {
    Target t;
    if (parse_target(url, &t, &error) &&
        Poster(deadline, options_.timeout).post(t, e.attrs_json, &error)) {
      return;
    }
  } catch (const std::exception& ex) {  // e.g. an SSL context that cannot be made
    error = ex.what();
  }
  emit("event:send POST " + url + ": " + error);
}

void RemoteEventSender::emit(const std::string& line) {
  if (!log_) return;
  try {
    log_(line);
  } catch (...) {  // a throwing logger must not kill the worker
  }
}

}  // namespace spime::runtime
