// The connections of HeldConnections and their one I/O thread. See
// hold_connections.h.
//
// Each connection is a small state machine run by its own completion
// handlers, all on the I/O thread (so no strand and no lock): waiting to be
// opened, connecting, idle (a read pending, the timer set to the next
// heartbeat's time), busy (a heartbeat written or being written, the read
// pending for its answer, the timer set to its deadline), closed. The one
// timer serves both the pacing and the deadlines; `arm` tells which wait is
// the current one, so a wait overtaken by a later one does nothing.
//
// A connection is a template over its stream: a bare tcp::socket for http
// (no layer, no indirection per read or write) or a TLS stream for https,
// whose connect is followed by a handshake (state kHandshaking). Everything
// else is the same code for both.
#include "devices/hold_connections.h"

#include <algorithm>
#include <optional>
#include <random>
#include <type_traits>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "devices/latency.h"
#include "engine/runtime/outbound/http_client.h"

namespace spime::devices {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr auto kRampStep = std::chrono::milliseconds(100);
constexpr std::size_t kMaxErrorText = 300;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

enum class State { kWaiting, kConnecting, kHandshaking, kIdle, kBusy, kClosed };

// The TCP socket under a connection's stream.
tcp::socket& socket_of(tcp::socket& s) {
  return s;
}
tcp::socket& socket_of(TlsStream& s) {
  return beast::get_lowest_layer(s).socket();
}

template <class Stream>
struct Conn {
  // `tls`: the client context of a TlsStream; nothing for a socket.
  template <class... Tls>
  Conn(net::io_context& ioc, int i, Tls&... tls)
      : stream(ioc, tls...), timer(ioc), buffer(kMaxAnswerBytes), index(i) {}
  Stream stream;
  net::steady_timer timer;  // the next heartbeat's time, or the deadline of what is under way
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::optional<http::request<http::string_body>> request;  // while it is written
  const int index;
  State state = State::kWaiting;
  bool writing = false;
  std::int64_t beats = 0;  // heartbeats sent
  Clock::time_point due, sent_at;
  std::uint64_t arm = 0;  // the current wait of `timer`
};

using PlainConn = Conn<tcp::socket>;
using TlsConn = Conn<TlsStream>;

bool closed_by_peer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted ||
         ec == net::ssl::error::stream_truncated;  // https: closed without close_notify
}

// Why a handshake failed: the error, and the certificate check's own words
// when it was the certificate ("unable to get local issuer certificate").
std::string handshake_error(TlsStream& s, const beast::error_code& ec) {
  std::string why = "TLS handshake: " + ec.message();
  const long verified = SSL_get_verify_result(s.native_handle());
  if (verified != X509_V_OK)
    why += std::string(" (") + X509_verify_cert_error_string(verified) + ")";
  return why;
}

}  // namespace

struct HeldConnections::Run {
  Run(const client::Url& u, std::vector<std::string> t, std::function<std::string(int)> b,
      const HoldPlan& p, LiveCounters* l)
      : url(u), targets(std::move(t)), body(std::move(b)), plan(p), live(l), rng(p.seed) {}

  // ---- set before the I/O thread starts, then read-only ----------------------
  const client::Url url;
  const std::vector<std::string> targets;
  const std::function<std::string(int)> body;
  const HoldPlan plan;
  LiveCounters* const live;
  std::string host;  // the Host header
  int total = 0;     // connections

  // ---- the controlling thread ------------------------------------------------
  std::mutex mu;
  std::condition_variable changed;
  bool ramped = false, held = false;  // under mu
  std::thread thread;
  bool started = false, finished = false;

  // ---- the I/O thread (the controlling thread once it is joined) --------------
  HoldFigures figures;
  std::mt19937_64 rng;
  Clock::time_point start, hold_end;
  bool hold_end_known = false;
  bool ending = false;   // the hold is over: no more heartbeats
  bool closing = false;  // finish(): no more connects either
  bool told_held = false;
  int next_to_open = 0;
  int settled = 0;  // connections connected or failed
  int open = 0;
  int in_flight = 0;          // heartbeats awaiting their answer
  LatencyHistogram from_due;  // answers, from their heartbeat's time on the grid

  // Declared after what its handlers use, before what uses it: destroyed
  // after the sockets and timers below.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::endpoint endpoint;
  net::steady_timer ramp_timer{ioc};
  net::steady_timer end_timer{ioc};
  // https: the client context, declared before the streams that use it (so it outlives them).
  std::optional<net::ssl::context> tls;
  // The connections: `plain` (http) or `secure` (https), never both.
  std::vector<std::unique_ptr<PlainConn>> plain;
  std::vector<std::unique_ptr<TlsConn>> secure;

  void note(const std::string& why) {
    if (figures.first_error.empty()) figures.first_error = why.substr(0, kMaxErrorText);
  }

  void tell(bool* flag) {
    {
      std::lock_guard<std::mutex> lock(mu);
      *flag = true;
    }
    changed.notify_all();
  }

  void run_io() {
    // A handler that throws (out of memory) loses its connection, not the run.
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        note(std::string("a handler failed: ") + e.what());
      }
    }
  }

  void ramp_step() {
    const int batch = std::max(1, plan.ramp_per_second / 10);
    for (int k = 0; k < batch && next_to_open < total; ++k, ++next_to_open) {
      if (tls)
        open_one(*secure[next_to_open]);
      else
        open_one(*plain[next_to_open]);
    }
    if (next_to_open >= total) return;
    ramp_timer.expires_after(kRampStep);
    ramp_timer.async_wait([this](beast::error_code ec) {
      if (!ec && !closing) ramp_step();
    });
  }

  // The timer's current wait no longer counts (an answer came before its deadline).
  template <class C>
  void disarm(C& c) {
    ++c.arm;
    c.timer.cancel();
  }

  template <class C>
  void arm(C& c, Clock::time_point when) {
    const std::uint64_t current = ++c.arm;
    c.timer.expires_at(when);
    c.timer.async_wait([this, &c, current](beast::error_code ec) {
      if (!ec && current == c.arm) on_timer(c);
    });
  }

  template <class C>
  void open_one(C& c) {
    c.state = State::kConnecting;
    ++figures.attempted;
    arm(c, Clock::now() + plan.request_timeout);
    socket_of(c.stream).async_connect(endpoint,
                                      [this, &c](beast::error_code ec) { on_connect(c, ec); });
  }

  template <class C>
  void on_connect(C& c, beast::error_code ec) {
    if (c.state != State::kConnecting) return;  // timed out (counted) or finishing
    if (ec) return connect_failed(c, "connect: " + ec.message());
    beast::error_code ignored;
    socket_of(c.stream).set_option(tcp::no_delay(true), ignored);
    if constexpr (std::is_same_v<C, TlsConn>) {
      c.state = State::kHandshaking;  // within the connect's deadline
      c.stream.async_handshake(net::ssl::stream_base::client, [this, &c](beast::error_code e) {
        if (c.state != State::kHandshaking) return;  // timed out (counted) or finishing
        if (e) {
          ++figures.handshake_failed;
          return connect_failed(c, handshake_error(c.stream, e));
        }
        established(c);
      });
    } else {
      established(c);
    }
  }

  template <class C>
  void established(C& c) {
    ++figures.established;
    ++open;
    c.state = State::kIdle;
    read(c);
    std::uniform_real_distribution<double> phase(0, plan.interval);
    c.due = Clock::now() + seconds(phase(rng));
    arm(c, c.due);
    settle();
  }

  template <class C>
  void connect_failed(C& c, const std::string& why) {
    note(why);
    ++figures.connect_failed;
    c.state = State::kClosed;
    beast::error_code ignored;
    socket_of(c.stream).close(ignored);
    c.timer.cancel();
    settle();
  }

  // One more connection connected or failed; the ramp ends with the last.
  void settle() {
    if (++settled < total) return;
    const auto now = Clock::now();
    figures.ramp_seconds = std::chrono::duration<double>(now - start).count();
    hold_end = now + seconds(plan.duration);
    hold_end_known = true;
    end_timer.expires_at(hold_end);
    end_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      ending = true;
      check_held();
    });
    tell(&ramped);
  }

  void check_held() {
    if (!ending || in_flight > 0 || told_held) return;
    told_held = true;
    figures.open_at_end = open;
    tell(&held);
  }

  template <class C>
  void on_timer(C& c) {
    switch (c.state) {
      case State::kConnecting:
        return connect_failed(c, "connect: no connection within the request timeout");
      case State::kHandshaking:
        ++figures.handshake_failed;
        return connect_failed(c, "TLS handshake: not done within the request timeout");
      case State::kIdle:
        if (!ending) send(c);
        return;
      case State::kBusy:
        note("heartbeat: no answer within the request timeout");
        ++figures.dropped;
        close(c);
        return check_held();
      default:
        return;
    }
  }

  template <class C>
  void read(C& c) {
    c.parser.emplace();
    c.parser->body_limit(kMaxAnswerBytes);
    http::async_read(c.stream, c.buffer, *c.parser,
                     [this, &c](beast::error_code ec, std::size_t) { on_read(c, ec); });
  }

  template <class C>
  void on_read(C& c, beast::error_code ec) {
    if (c.state == State::kClosed) return;
    if (ec) {
      const bool busy = c.state == State::kBusy;
      if (closed_by_peer(ec)) {
        ++figures.closed_by_server;
        note(std::string("the server closed a connection") + (busy ? " before answering" : "") +
             ": " + ec.message());
      } else {
        ++figures.dropped;
        note("reading an answer: " + ec.message());
      }
      close(c);
      return check_held();
    }
    if (c.state != State::kBusy) {
      ++figures.dropped;
      note("an answer to no request");
      close(c);
      return check_held();
    }
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - c.sent_at).count();
    const double due_ms = std::chrono::duration<double, std::milli>(now - c.due).count();
    live->latency.add(ms);
    from_due.add(due_ms);
    figures.max_ms = std::max(figures.max_ms, ms);
    figures.due_max_ms = std::max(figures.due_max_ms, due_ms);
    const auto& answer = c.parser->get();
    const int status = static_cast<int>(answer.result_int());
    ++figures.by_status[status];
    if (status >= 200 && status < 300) {
      live->acknowledged.fetch_add(1, std::memory_order_relaxed);
    } else {
      (status >= 400 && status < 500 ? live->refused : live->failed)
          .fetch_add(1, std::memory_order_relaxed);
      note("heartbeat answered " + std::to_string(status) + ": " + answer.body());
    }
    --in_flight;
    c.state = State::kIdle;
    disarm(c);
    if (!answer.keep_alive()) {
      ++figures.closed_by_server;
      note("the server closed a connection after an answer (Connection: close)");
      close(c);
      return check_held();
    }
    read(c);
    next(c);
    check_held();
  }

  // After an answer: the next heartbeat at its time, or now when that is
  // past. The times stay on the connection's grid (phase + k * interval),
  // so a connection that fell behind catches up, as `simulate --rate`
  // does: the rate asked is the rate offered while the engine can take it.
  template <class C>
  void next(C& c) {
    if (ending) return;
    c.due += seconds(plan.interval);
    if (c.due <= Clock::now()) {
      ++figures.late;
      return send(c);
    }
    if (!hold_end_known || c.due < hold_end) arm(c, c.due);
  }

  template <class C>
  void send(C& c) {
    if (c.writing) {  // the last answer came before its request was all written
      ++figures.dropped;
      note("an answer came before its request was written");
      close(c);
      return;
    }
    const auto count = static_cast<std::int64_t>(total);
    const auto target =
        static_cast<int>((c.index + c.beats * count) % static_cast<std::int64_t>(targets.size()));
    ++c.beats;
    auto& req = c.request.emplace(http::verb::post, url.base + targets[target], 11);
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "spime-devices-hold");
    req.set(http::field::content_type, "application/json");
    if (!plan.token.empty()) req.set(http::field::authorization, "Bearer " + plan.token);
    req.body() = body(target);
    req.keep_alive(true);
    req.prepare_payload();
    c.state = State::kBusy;
    ++in_flight;
    live->sent.fetch_add(1, std::memory_order_relaxed);
    c.sent_at = Clock::now();
    arm(c, c.sent_at + plan.request_timeout);
    c.writing = true;
    http::async_write(c.stream, req, [this, &c](beast::error_code ec, std::size_t) {
      c.writing = false;
      c.request.reset();
      if (!ec || c.state == State::kClosed) return;
      ++figures.closed_by_server;
      note("sending a heartbeat: " + ec.message());
      close(c);
      check_held();
    });
  }

  // Closes an open connection; a heartbeat in flight on it failed.
  template <class C>
  void close(C& c, bool reset = false) {
    if (c.state == State::kClosed) return;
    if (c.state == State::kBusy) {
      --in_flight;
      ++figures.by_status[0];
      live->failed.fetch_add(1, std::memory_order_relaxed);
    }
    if (c.state == State::kIdle || c.state == State::kBusy) --open;
    c.state = State::kClosed;
    beast::error_code ignored;
    tcp::socket& socket = socket_of(c.stream);
    if (reset) socket.set_option(net::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    c.timer.cancel();
  }

  void close_all() {
    if (!told_held) figures.open_at_end = open;
    closing = true;
    ending = true;
    ramp_timer.cancel();
    end_timer.cancel();
    for (auto& c : plain) close(*c, /*reset=*/true);
    for (auto& c : secure) close(*c, /*reset=*/true);
  }
};

HeldConnections::HeldConnections(const client::Url& url, std::vector<std::string> targets,
                                 std::function<std::string(int)> body, const HoldPlan& plan,
                                 LiveCounters* live)
    : run_(std::make_unique<Run>(url, std::move(targets), std::move(body), plan, live)) {}

HeldConnections::~HeldConnections() {
  finish();
}

std::string HeldConnections::start() {
  Run& r = *run_;
  if (r.started) return "already started";
  if (r.targets.empty()) return "no targets";
  if (r.plan.connections < 1) return "no connections";
  beast::error_code ec;
  tcp::resolver resolver(r.ioc);
  const auto endpoints =
      resolver.resolve(r.url.host, std::to_string(r.url.port), tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) return "cannot resolve " + r.url.host + ": " + ec.message();
  r.endpoint = endpoints.begin()->endpoint();
  const bool v6 = r.url.host.find(':') != std::string::npos;
  r.host = (v6 ? "[" + r.url.host + "]" : r.url.host) + ":" + std::to_string(r.url.port);
  r.total = r.plan.connections;
  if (r.url.tls) {
    r.tls.emplace(net::ssl::context::tls_client);
    std::string why;
    if (!runtime::http_client::configure_client_tls(*r.tls, r.plan.cafile, true, &why)) return why;
    r.secure.reserve(static_cast<std::size_t>(r.total));
    for (int i = 0; i < r.total; ++i) {
      r.secure.push_back(std::make_unique<TlsConn>(r.ioc, i, *r.tls));
      runtime::http_client::prepare_client_stream(r.secure.back()->stream, r.url.host, true);
    }
  } else {
    r.plain.reserve(static_cast<std::size_t>(r.total));
    for (int i = 0; i < r.total; ++i) r.plain.push_back(std::make_unique<PlainConn>(r.ioc, i));
  }
  r.work.emplace(r.ioc.get_executor());
  r.start = Clock::now();
  r.started = true;
  net::post(r.ioc, [&r] { r.ramp_step(); });
  r.thread = std::thread([&r] { r.run_io(); });
  return "";
}

bool HeldConnections::wait_ramped(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(run_->mu);
  return run_->changed.wait_for(lock, max_wait, [this] { return run_->ramped; });
}

bool HeldConnections::wait_held(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(run_->mu);
  return run_->changed.wait_for(lock, max_wait, [this] { return run_->held; });
}

HoldFigures HeldConnections::finish() {
  Run& r = *run_;
  if (r.started && !r.finished) {
    r.finished = true;
    net::post(r.ioc, [&r] { r.close_all(); });
    r.work.reset();
    r.thread.join();
    // A bucket's middle may lie past the slowest answer: never report more.
    r.figures.due_p50 = std::min(r.from_due.quantile(0.50), r.figures.due_max_ms);
    r.figures.due_p99 = std::min(r.from_due.quantile(0.99), r.figures.due_max_ms);
  }
  return r.figures;
}

}  // namespace spime::devices
