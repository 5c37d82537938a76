#include "engine/runtime/outbound/remote_events.h"

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <type_traits>

#include "engine/runtime/outbound/http_client.h"

namespace spime::runtime {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = http_client::Clock;
using http_client::run_until;
using http_client::Url;

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

// One POST of a JSON body; the status line on success, false + *error otherwise.
class Poster {
 public:
  Poster(Clock::time_point deadline, std::chrono::milliseconds timeout)
      : deadline_(deadline), timeout_(timeout) {}

  bool post(const Url& t, const std::string& body, std::string* error) {
    return http_client::connect(ioc_, t, deadline_, /*verify=*/true, timeout_, error,
                                [&](auto& stream, beast::tcp_stream& tcp) {
                                  return exchange(stream, tcp, t, body, error);
                                });
  }

 private:
  bool fail(const std::string& what, const beast::error_code& ec, std::string* error) {
    *error = http_client::describe(ec, what, timeout_);
    return false;
  }

  template <class Stream>
  bool exchange(Stream& stream, beast::tcp_stream& tcp, const Url& t, const std::string& body,
                std::string* error) {
    auto cancel = [&tcp] { tcp.close(); };
    http::request<http::string_body> req{http::verb::post, t.target, 11};
    req.set(http::field::host, t.authority);
    req.set(http::field::user_agent, "spime");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    req.body() = body;
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
    Url t;
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
