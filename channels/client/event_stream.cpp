// Asio's async operations on a private io_context, run for at most the
// caller's wait: blocking to the caller, bounded in time. A read still
// pending when a wait ends stays pending for the next call.
#include "channels/client/event_stream.h"

#include <strings.h>

#include <array>
#include <deque>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include "engine/runtime/outbound/http_client.h"

namespace spime::client {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

}  // namespace

struct EventStream::Impl {
  Url url;
  Options options;
  net::io_context ioc;
  // The connection: `socket` (http) or `tls` over it (https).
  std::optional<net::ssl::context> tls_context;
  std::optional<tcp::socket> socket;
  std::optional<net::ssl::stream<tcp::socket&>> tls;
  std::string buf;  // bytes read and not parsed yet
  std::array<char, 16384> chunk{};
  bool reading = false;
  bool eof = false;
  std::string error;
  int status = 0;
  std::size_t comments = 0;
  std::deque<SseEvent> ready;
  SseEvent current;
  bool current_has = false;
  bool has_data = false;

  // Runs the io_context until `until` or until it has nothing left to do.
  void run_until(Clock::time_point until) {
    ioc.restart();
    ioc.run_until(until);
  }

  // Starts a read if none is pending and runs until one completes or `until`.
  void read_more(Clock::time_point until) {
    if (eof || !socket) return;
    if (!reading) {
      reading = true;
      auto done = [this](boost::system::error_code ec, size_t n) {
        reading = false;
        if (n > 0) buf.append(chunk.data(), n);
        if (ec) {
          eof = true;
          // TLS: a server that closes without close_notify ends the stream too.
          if (ec != net::error::eof && ec != net::ssl::error::stream_truncated)
            error = ec.message();
        }
      };
      if (tls) {
        tls->async_read_some(net::buffer(chunk), done);
      } else {
        socket->async_read_some(net::buffer(chunk), done);
      }
    }
    run_until(until);
  }

  void field(std::string_view line) {
    if (line.empty()) {
      if (current_has) ready.push_back(std::move(current));
      current = SseEvent{};
      current_has = false;
      has_data = false;
      return;
    }
    if (line.front() == ':') {
      ++comments;
      return;
    }
    const size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "data") {
      if (has_data) current.data += '\n';
      current.data += value;
      has_data = true;
      current_has = true;
    } else if (name == "id") {
      current.id = std::string(value);
      current_has = true;
    } else if (name == "event") {
      current.event = std::string(value);
      current_has = true;
    }
  }

  void parse() {
    size_t start = 0;
    for (;;) {
      const size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      std::string_view line(buf.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      field(line);
      start = nl + 1;
    }
    buf.erase(0, start);
    if (buf.size() > options.max_body_bytes || current.data.size() > options.max_body_bytes) {
      eof = true;
      error = "an event or line over " + std::to_string(options.max_body_bytes) + " bytes";
    }
  }
};

EventStream::EventStream(Url url, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->options = std::move(options);
}

EventStream::~EventStream() {
  if (impl_) close();
}

EventStream::EventStream(EventStream&&) noexcept = default;
EventStream& EventStream::operator=(EventStream&&) noexcept = default;

std::string EventStream::open(const std::string& target, const std::string& last_event_id) {
  Impl& m = *impl_;
  close();
  m.eof = false;
  m.error.clear();
  m.status = 0;
  const auto deadline = Clock::now() + m.options.timeout;
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  const auto address = net::ip::make_address(m.url.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, m.url.port);
  } else {
    tcp::resolver resolver(m.ioc);
    auto results = resolver.resolve(m.url.host, std::to_string(m.url.port), ec);
    if (ec) return "cannot resolve " + m.url.host + ": " + ec.message();
    for (const auto& r : results) endpoints.push_back(r.endpoint());
  }
  m.socket.emplace(m.ioc);
  std::optional<boost::system::error_code> connected;
  net::async_connect(
      *m.socket, endpoints,
      [&connected](boost::system::error_code e, const tcp::endpoint&) { connected = e; });
  m.run_until(deadline);
  if (!connected || *connected) {
    std::string why = connected ? connected->message() : "timed out connecting";
    close();
    return why;
  }
  if (m.url.tls) {
    if (!m.tls_context) {
      m.tls_context.emplace(net::ssl::context::tls_client);
      std::string why;
      if (!runtime::http_client::configure_client_tls(*m.tls_context, m.options.cafile, true,
                                                      &why)) {
        m.tls_context.reset();
        close();
        return why;
      }
    }
    m.tls.emplace(*m.socket, *m.tls_context);
    runtime::http_client::prepare_client_stream(*m.tls, m.url.host, true);
    std::optional<boost::system::error_code> shaken;
    m.tls->async_handshake(net::ssl::stream_base::client,
                           [&shaken](boost::system::error_code e) { shaken = e; });
    m.run_until(deadline);
    if (!shaken || *shaken) {
      std::string why = "TLS handshake with " + m.url.host_header() + ": " +
                        (shaken ? shaken->message() : "timed out");
      close();
      return why;
    }
  }
  std::string request = "GET " + m.url.base + target + " HTTP/1.1\r\nHost: " + m.url.host_header() +
                        "\r\nAccept: text/event-stream\r\n";
  if (!m.options.user_agent.empty()) request += "User-Agent: " + m.options.user_agent + "\r\n";
  if (!m.options.bearer_token.empty())
    request += "Authorization: Bearer " + m.options.bearer_token + "\r\n";
  if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
  request += "\r\n";
  std::optional<boost::system::error_code> written;
  auto on_written = [&written](boost::system::error_code e, size_t) { written = e; };
  if (m.tls) {
    net::async_write(*m.tls, net::buffer(request), on_written);
  } else {
    net::async_write(*m.socket, net::buffer(request), on_written);
  }
  m.run_until(deadline);
  if (!written || *written) {
    std::string why = written ? written->message() : "timed out sending the request";
    close();
    return why;
  }
  size_t end = std::string::npos;
  while ((end = m.buf.find("\r\n\r\n")) == std::string::npos) {
    if (m.eof || Clock::now() >= deadline || m.buf.size() > kMaxHeaderBytes) {
      std::string why = m.eof ? "the server closed the connection" : "no answer in time";
      close();
      return why;
    }
    m.read_more(deadline);
  }
  const std::string header = m.buf.substr(0, end);
  m.buf.erase(0, end + 4);
  const size_t sp = header.find(' ');
  m.status = sp == std::string::npos ? 0 : std::atoi(header.c_str() + sp + 1);
  bool event_stream = false;
  size_t line = header.find("\r\n");
  while (line != std::string::npos) {
    const size_t next = header.find("\r\n", line + 2);
    std::string_view field(header.data() + line + 2,
                           (next == std::string::npos ? header.size() : next) - line - 2);
    if (field.size() > 13 && strncasecmp(field.data(), "content-type:", 13) == 0 &&
        field.find("text/event-stream") != std::string_view::npos) {
      event_stream = true;
    }
    line = next;
  }
  if (m.status == 200 && event_stream) return {};
  // An error answer: its body, until the server closes (Connection: close or a length).
  while (!m.eof && Clock::now() < deadline && m.buf.size() <= m.options.max_body_bytes) {
    m.read_more(deadline);
  }
  std::string why = "HTTP " + std::to_string(m.status) + ": " + m.buf;
  close();
  return why;
}

int EventStream::status() const {
  return impl_->status;
}

std::optional<SseEvent> EventStream::next(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  const auto until = Clock::now() + wait;
  for (;;) {
    m.parse();
    if (!m.ready.empty()) {
      SseEvent e = std::move(m.ready.front());
      m.ready.pop_front();
      return e;
    }
    if (m.eof || !m.socket || Clock::now() >= until) return std::nullopt;
    m.read_more(until);
  }
}

bool EventStream::ended() const {
  return impl_->eof || !impl_->socket;
}

const std::string& EventStream::error() const {
  return impl_->error;
}

std::size_t EventStream::comments() const {
  return impl_->comments;
}

void EventStream::close() {
  Impl& m = *impl_;
  if (m.socket) {
    boost::system::error_code ignored;
    m.socket->shutdown(tcp::socket::shutdown_both, ignored);
    m.socket->close(ignored);
    // The pending read's handler runs (aborted) before the socket goes.
    m.ioc.restart();
    m.ioc.poll();
  }
  m.tls.reset();
  m.socket.reset();
  m.reading = false;
  m.buf.clear();
  m.ready.clear();
  m.current = SseEvent{};
  m.current_has = false;
  m.has_data = false;
}

}  // namespace spime::client
