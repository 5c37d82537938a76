// Asio's async operations on a private io_context, run for at most the
// caller's wait: blocking to the caller, bounded in time. A read still
// pending when a wait ends stays pending for the next call.
#include "channels/client/response_stream.h"

#include <strings.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <vector>

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

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxChunkLine = 1024;  // a chunk's size line, extensions included

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// How the body's end is known.
enum class Framing { kNone, kLength, kChunked, kUntilClose };
// Where a chunked body's decoder is.
enum class ChunkState { kSize, kData, kDataEnd, kTrailer, kDone };

}  // namespace

struct ResponseStream::Impl {
  Url url;
  Options options;
  net::io_context ioc;
  // The connection: `socket` (http) or `tls` over it (https).
  std::optional<net::ssl::context> tls_context;
  std::optional<tcp::socket> socket;
  std::optional<net::ssl::stream<tcp::socket&>> tls;
  std::string raw;  // bytes read and not decoded yet
  std::array<char, 16384> piece{};
  bool reading = false;
  bool closed = false;  // the server closed, or a read failed
  bool done = false;    // the body is complete (or cannot go on)
  std::string error;
  int status = 0;
  Headers headers;
  Framing framing = Framing::kNone;
  std::size_t remaining = 0;  // kLength: body bytes left; kChunked: of this chunk
  ChunkState chunk = ChunkState::kSize;

  void run_until(Clock::time_point until) {
    ioc.restart();
    ioc.run_until(until);
  }

  // Starts a read if none is pending and runs until one completes or `until`.
  void read_more(Clock::time_point until) {
    if (closed || !socket) return;
    if (!reading) {
      reading = true;
      auto on_read = [this](boost::system::error_code ec, std::size_t n) {
        reading = false;
        if (n > 0) raw.append(piece.data(), n);
        if (ec) {
          closed = true;
          // TLS: a server that closes without close_notify ends the answer too.
          if (ec != net::error::eof && ec != net::ssl::error::stream_truncated)
            error = ec.message();
        }
      };
      if (tls) {
        tls->async_read_some(net::buffer(piece), on_read);
      } else {
        socket->async_read_some(net::buffer(piece), on_read);
      }
    }
    run_until(until);
  }

  void fail(std::string why) {
    error = std::move(why);
    done = true;
  }

  // Moves what `raw` holds of the body into *out; the count appended.
  std::size_t decode(std::string* out) {
    const std::size_t before = out->size();
    switch (framing) {
      case Framing::kNone:
        done = true;
        break;
      case Framing::kUntilClose:
        out->append(raw);
        raw.clear();
        if (closed) done = true;
        break;
      case Framing::kLength: {
        const std::size_t n = std::min(remaining, raw.size());
        out->append(raw, 0, n);
        raw.erase(0, n);
        remaining -= n;
        if (remaining == 0) {
          done = true;
        } else if (closed) {
          fail("the server closed the connection " + std::to_string(remaining) +
               " bytes before the body's end");
        }
        break;
      }
      case Framing::kChunked:
        decode_chunks(out);
        // decode_chunks stops only when it needs more bytes: none will come.
        if (!done && closed) fail("the server closed the connection mid-body");
        break;
    }
    return out->size() - before;
  }

  void decode_chunks(std::string* out) {
    for (;;) {
      switch (chunk) {
        case ChunkState::kSize: {
          const std::size_t eol = raw.find("\r\n");
          if (eol == std::string::npos) {
            if (raw.size() > kMaxChunkLine) fail("a chunk size line over 1 KiB");
            return;
          }
          std::string_view line(raw.data(), eol);
          line = line.substr(0, line.find(';'));  // extensions are ignored
          line = trim(line);
          std::size_t size = 0;
          bool valid = !line.empty() && line.size() <= 15;
          for (char c : line) {
            int d = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
            if (d < 0) valid = false;
            size = size * 16 + static_cast<std::size_t>(d < 0 ? 0 : d);
          }
          if (!valid) return fail("a malformed chunk size line");
          raw.erase(0, eol + 2);
          remaining = size;
          chunk = size == 0 ? ChunkState::kTrailer : ChunkState::kData;
          break;
        }
        case ChunkState::kData: {
          const std::size_t n = std::min(remaining, raw.size());
          out->append(raw, 0, n);
          raw.erase(0, n);
          remaining -= n;
          if (remaining > 0) return;
          chunk = ChunkState::kDataEnd;
          break;
        }
        case ChunkState::kDataEnd:
          if (raw.size() < 2) return;
          if (raw.compare(0, 2, "\r\n") != 0) return fail("a chunk not followed by CRLF");
          raw.erase(0, 2);
          chunk = ChunkState::kSize;
          break;
        case ChunkState::kTrailer: {
          const std::size_t eol = raw.find("\r\n");
          if (eol == std::string::npos) {
            if (raw.size() > kMaxHeaderBytes) fail("trailers over 64 KiB");
            return;
          }
          raw.erase(0, eol + 2);
          if (eol == 0) {
            chunk = ChunkState::kDone;
            done = true;
            return;
          }
          break;
        }
        case ChunkState::kDone:
          return;
      }
    }
  }

  // Reads the status line and the header fields from `head`; false if malformed.
  bool parse_head(std::string_view head) {
    std::size_t eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1.") return false;
    status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    if (status < 100 || status > 599) return false;
    bool chunked = false;
    std::optional<std::size_t> length;
    while (eol != std::string_view::npos) {
      const std::size_t start = eol + 2;
      eol = head.find("\r\n", start);
      std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
      if (line.empty()) continue;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return false;
      std::string_view name = line.substr(0, colon);
      std::string_view value = trim(line.substr(colon + 1));
      headers.emplace_back(std::string(name), std::string(value));
      if (iequals(name, "transfer-encoding")) {
        chunked = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
      } else if (iequals(name, "content-length")) {
        char* end = nullptr;
        const std::string text(value);
        const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0') return false;
        length = static_cast<std::size_t>(n);
      }
    }
    if (status < 200 || status == 204 || status == 304) {
      framing = Framing::kNone;
    } else if (chunked) {
      framing = Framing::kChunked;
    } else if (length) {
      framing = Framing::kLength;
      remaining = *length;
      if (remaining == 0) framing = Framing::kNone;
    } else {
      framing = Framing::kUntilClose;
    }
    return true;
  }
};

ResponseStream::ResponseStream(Url url, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->url = std::move(url);
  impl_->options = std::move(options);
}

ResponseStream::~ResponseStream() {
  if (impl_) close();
}

ResponseStream::ResponseStream(ResponseStream&&) noexcept = default;
ResponseStream& ResponseStream::operator=(ResponseStream&&) noexcept = default;

std::string ResponseStream::open(const std::string& method, const std::string& target,
                                 const Headers& headers, const std::string& body) {
  Impl& m = *impl_;
  close();
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
  std::string request =
      method + " " + m.url.base + target + " HTTP/1.1\r\nHost: " + m.url.host_header() + "\r\n";
  if (!m.options.user_agent.empty()) request += "User-Agent: " + m.options.user_agent + "\r\n";
  if (!m.options.bearer_token.empty())
    request += "Authorization: Bearer " + m.options.bearer_token + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  std::optional<boost::system::error_code> written;
  auto on_written = [&written](boost::system::error_code e, std::size_t) { written = e; };
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
  std::size_t end = std::string::npos;
  while ((end = m.raw.find("\r\n\r\n")) == std::string::npos) {
    if (m.raw.size() > kMaxHeaderBytes) {
      close();
      return "an answer header over 64 KiB";
    }
    if (m.closed || Clock::now() >= deadline) {
      std::string why = m.closed ? "the server closed the connection" : "no answer in time";
      close();
      return why;
    }
    m.read_more(deadline);
  }
  const std::string head = m.raw.substr(0, end + 2);
  m.raw.erase(0, end + 4);
  if (!m.parse_head(head)) {
    close();
    return "a malformed answer header";
  }
  return {};
}

int ResponseStream::status() const {
  return impl_->status;
}

const Headers& ResponseStream::headers() const {
  return impl_->headers;
}

std::string ResponseStream::header(const std::string& name) const {
  for (const auto& [n, v] : impl_->headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

std::size_t ResponseStream::read(Clock::time_point until, std::string* out) {
  Impl& m = *impl_;
  for (;;) {
    if (!m.socket || m.done) return 0;
    const std::size_t n = m.decode(out);
    if (n > 0 || m.done) return n;
    if (m.closed || Clock::now() >= until) return 0;
    m.read_more(until);
  }
}

bool ResponseStream::ended() const {
  return impl_->done || !impl_->socket;
}

const std::string& ResponseStream::error() const {
  return impl_->error;
}

void ResponseStream::close() {
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
  m.closed = false;
  m.done = false;
  m.error.clear();
  m.raw.clear();
  m.status = 0;
  m.headers.clear();
  m.framing = Framing::kNone;
  m.remaining = 0;
  m.chunk = ChunkState::kSize;
}

}  // namespace spime::client
