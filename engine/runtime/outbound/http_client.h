// http_client: the pieces under send_http_request (http_request.h), the one
// outbound exchange that the KRL http module, ruleset fetches (url_fetch.h)
// and events for other engines (remote_events.h) all go through: splitting
// an http(s) URL, running one Asio operation against a deadline, and opening
// a connection (resolve, connect, TLS handshake) before that deadline.
//
// Everything here is blocking on purpose: a caller drives its own
// io_context on its own thread (never an HTTP I/O thread or a CAF worker
// that must stay responsive), and every step is bounded by the deadline.
// A DNS lookup that the resolver cannot cancel may outlast it.
#pragma once

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/outbound/destination_guard.h"

namespace spime::runtime::http_client {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

struct Url {
  bool tls = false;
  std::string scheme;     // "http" or "https" (lower case)
  std::string host;       // without IPv6 brackets
  std::string authority;  // host[:port] as written (the Host header)
  std::string port;       // "80"/"443" when not written
  std::string target;     // path + query, "/" when empty; the fragment dropped
};

// 301, 302, 303, 307, 308: the statuses a client follows (with a Location).
bool is_redirect(unsigned status);
// Appends `s` percent-encoded to *out: everything but A-Z a-z 0-9 - . _ ~
// (RFC 3986's unreserved characters) becomes %XX, upper-case hex.
void percent_encode(std::string_view s, std::string* out);

// Splits an http:// or https:// URL. false + *error ("unsupported url scheme
// ftp", "url has no host", "invalid url port 99999", "credentials in urls
// are not supported", ...) for anything else.
bool parse_url(const std::string& url, Url* u, std::string* error);

// A redirect's Location, absolute as written or resolved against `base`
// ("/x", "x", "?q", "//host/x").
std::string resolve_location(const Url& base, const std::string& location);

// While an AbortScope lives on a thread, the run_until calls of that thread
// also give up (as at their deadline) once `*flag` is set, within
// kAbortPoll: so the engine's stop interrupts an http module call in
// progress (EvalContext::interrupt) instead of waiting for its timeout.
// Scopes nest; a null flag changes nothing.
inline constexpr std::chrono::milliseconds kAbortPoll{50};
inline thread_local const std::atomic<bool>* t_abort = nullptr;
class AbortScope {
 public:
  explicit AbortScope(const std::atomic<bool>* flag) : saved_(t_abort) {
    if (flag) t_abort = flag;
  }
  ~AbortScope() { t_abort = saved_; }
  AbortScope(const AbortScope&) = delete;
  AbortScope& operator=(const AbortScope&) = delete;

 private:
  const std::atomic<bool>* saved_;
};

// Runs `ioc` until the operation that `start(handler)` begins completes, or
// until `deadline` (or an AbortScope's flag is set); then `cancel()` aborts
// it and its handler is drained (so nothing outlives the caller's frame) and
// the result is timed_out.
template <class Start, class Cancel>
beast::error_code run_until(asio::io_context& ioc, Clock::time_point deadline, Start&& start,
                            Cancel&& cancel) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  if (t_abort == nullptr) {
    ioc.run_until(deadline);
  } else {
    while (!result && !t_abort->load(std::memory_order_relaxed)) {
      auto now = Clock::now();
      if (now >= deadline) break;
      ioc.run_until(std::min(deadline, now + kAbortPoll));
    }
  }
  if (!result) {
    cancel();
    ioc.restart();
    ioc.run();
    return asio::error::timed_out;
  }
  return *result;
}

// The text of a failed step: "timed out after <timeout> ms" when the
// deadline passed, else "<what>: <ec's message>".
std::string describe(const beast::error_code& ec, const std::string& what,
                     std::chrono::milliseconds timeout);

// A client TLS context's verification: the peer's chain against `cafile`
// (PEM) when given, else the system store; none when `verify` is false
// (tests only). False + *error when the CA file cannot be read. Shared by
// this client and the tools' client (channels/client/), so both verify alike.
// Inline: the tools' client links no runtime.
inline bool configure_client_tls(asio::ssl::context& ctx, const std::string& cafile, bool verify,
                                 std::string* error) {
  if (!verify) {
    ctx.set_verify_mode(asio::ssl::verify_none);
    return true;
  }
  boost::system::error_code ec;
  if (cafile.empty()) {
    ctx.set_default_verify_paths(ec);
  } else {
    ctx.load_verify_file(cafile, ec);
  }
  if (ec) {
    *error = (cafile.empty() ? std::string("cannot load the system's CA certificates")
                             : "cannot load the CA file " + cafile) +
             ": " + ec.message();
    return false;
  }
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return true;
}

// A client stream's host name check and SNI (SNI for names only) for `host`.
template <class SslStream>
void prepare_client_stream(SslStream& stream, const std::string& host, bool verify) {
  if (verify) stream.set_verify_callback(asio::ssl::host_name_verification(host));
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
}

// Resolves, connects and (https) handshakes -- verifying the peer's chain
// against the system store and its host name unless `verify` is false (tests
// only) -- all before `deadline`. With a `guard` (destination_guard.h), only
// the resolved addresses it passes are tried; when it passes none, fails with
// "<url host> refused: <why>". Then returns use(stream, tcp): `stream` is
// a beast::tcp_stream or a beast::ssl_stream<beast::tcp_stream>, `tcp` its
// TCP layer (close it to cancel a pending operation); `use` reports its own
// failures. When a step here fails, returns false with *error as describe()
// gives it: "cannot resolve <host>: ...", "cannot connect to <authority>:
// ...", "TLS handshake with <authority>: ...", or "timed out after
// <timeout> ms" (`timeout` is only for that message).
template <class Use>
bool connect(asio::io_context& ioc, const Url& u, Clock::time_point deadline, bool verify,
             const DestinationGuard* guard, std::chrono::milliseconds timeout, std::string* error,
             Use&& use) {
  using Resolver = asio::ip::tcp::resolver;
  auto failed = [&](const beast::error_code& ec, const std::string& what) {
    *error = describe(ec, what, timeout);
    return false;
  };
  Resolver resolver(ioc);
  Resolver::results_type endpoints;
  beast::error_code ec = run_until(
      ioc, deadline,
      [&](auto done) {
        resolver.async_resolve(
            u.host, u.port,
            [&endpoints, done](beast::error_code e, Resolver::results_type r) mutable {
              endpoints = std::move(r);
              done(e);
            });
      },
      [&] { resolver.cancel(); });
  if (ec) return failed(ec, "cannot resolve " + u.host);
  std::vector<asio::ip::tcp::endpoint> targets;
  std::string refusal;
  for (const auto& r : endpoints) {
    std::string why = guard ? guard->check(u.host, r.endpoint()) : std::string();
    if (why.empty()) {
      targets.push_back(r.endpoint());
    } else if (refusal.empty()) {
      refusal = std::move(why);
    }
  }
  if (targets.empty() && !refusal.empty()) {
    *error = "destination refused: " + refusal;
    return false;
  }
  auto open = [&](beast::tcp_stream& socket) {
    ec = run_until(
        ioc, deadline, [&](auto done) { socket.async_connect(targets, done); },
        [&socket] { socket.close(); });
    return ec ? failed(ec, "cannot connect to " + u.authority) : true;
  };
  if (!u.tls) {
    beast::tcp_stream stream(ioc);
    if (!open(stream)) return false;
    return use(stream, stream);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (!configure_client_tls(ctx, "", verify, error)) return false;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  prepare_client_stream(stream, u.host, verify);
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  if (!open(tcp)) return false;
  ec = run_until(
      ioc, deadline,
      [&](auto done) { stream.async_handshake(asio::ssl::stream_base::client, done); },
      [&tcp] { tcp.close(); });
  if (ec) return failed(ec, "TLS handshake with " + u.authority);
  return use(stream, tcp);
}

}  // namespace spime::runtime::http_client
