// Listener, sessions and threads. See http_server.h.
//
// Lifetimes. The Impl owns the io_context, the threads and a registry of open
// sessions (shared_ptrs), so a session waiting for the engine (no I/O pending)
// stays alive. An engine callback holds only a weak_ptr to its session and a
// shared Gate: after stop() closes the gate, late callbacks do nothing, and
// they never touch a destroyed io_context.
#include "channels/http_server.h"
#include "engine/base/thread_annotations.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "channels/http_response.h"
#include "channels/owner_guard.h"
#include "channels/routes.h"
#include "channels/server_tls.h"
#include "channels/slot_gate.h"

namespace spime::channels {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Lets engine callbacks reach the io_context only while it runs.
struct Gate {
  Mutex mutex;
  bool open SPIME_GUARDED_BY(mutex) = true;
};

}  // namespace

namespace detail {

// What the registry and stop() need of a session, plain or TLS.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  virtual void shutdown() = 0;
};
using Session = SessionBase;

class ServerImpl {
 public:
  ServerImpl(api::EngineApi& engine, HttpServerOptions options)
      : engine_(engine), options_(std::move(options)), gate_(std::make_shared<Gate>()) {}

  std::optional<unsigned short> start(std::string* error);
  void stop();

  // Session registry (any thread).
  void add_session(const std::shared_ptr<Session>& s);
  void remove_session(Session* s);

  void log(const std::string& line) {
    if (options_.log) options_.log(line);
  }

  api::EngineApi& engine_;
  const HttpServerOptions options_;
  // Set by start() when options_ name a certificate (server_tls.h).
  std::shared_ptr<net::ssl::context> tls_;
  std::shared_ptr<Gate> gate_;
  std::atomic<bool> stopping_{false};
  std::atomic<SlotGate*> slot_gate_{nullptr};  // HttpServer::set_slot_gate

 private:
  void do_accept();
  void accept_later();  // do_accept() after kAcceptRetry (an accept failed)
  void run_io();        // one I/O thread's loop

  static constexpr std::chrono::milliseconds kAcceptRetry{100};

  Mutex sessions_mutex_;
  std::condition_variable sessions_empty_;
  std::unordered_map<Session*, std::shared_ptr<Session>> sessions_
      SPIME_GUARDED_BY(sessions_mutex_);
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
  // Declared last: destroyed first, while the members above still exist for
  // the handlers (and sessions) it destroys.
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> accept_retry_;  // on the acceptor's strand
};

// One connection: read a request, dispatch it, write the reply, repeat.
// Stream: beast::tcp_stream, or beast::ssl_stream over one (TLS: the
// handshake comes first, under header_timeout).
template <class Stream>
class HttpSession final : public SessionBase {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  HttpSession(tcp::socket&& socket, detail::ServerImpl& server)
      : stream_(make_stream(std::move(socket), server)),
        buffer_(framing_limit(server.options_.max_header_bytes)),
        server_(server) {}

  void start() override {
    net::dispatch(stream_.get_executor(), [self = self_ptr()] {
      if constexpr (kTls) {
        self->lowest().expires_after(self->server_.options_.header_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->do_close();
          self->handshaken_ = true;
          self->do_read();
        });
      } else {
        self->do_read();
      }
    });
  }

  // stop(): close now if idle or streaming, else after the reply in flight.
  void shutdown() override {
    net::post(stream_.get_executor(), [self = self_ptr()] {
      self->closing_ = true;
      if (self->hold_) self->hold_->cancel();
      if (!self->busy_ || self->streaming_) self->do_close();
    });
  }

  // The engine's Watch has something (WatchSink::wake, any thread): take it on the strand.
  void wake_stream() {
    net::post(stream_.get_executor(), [self = self_ptr()] { self->pull(); });
  }

 private:
  using Self = HttpSession<Stream>;

  static Stream make_stream(tcp::socket&& socket, detail::ServerImpl& server) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server.tls_);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Self> self_ptr() { return std::static_pointer_cast<Self>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void do_read() {
    if (closing_ || server_.stopping_) return do_close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options_.max_header_bytes));
    // Beast checks a Content-Length against this when the header ends: the
    // largest any route takes here, the route's own once the target is known.
    parser_->body_limit(
        std::max(server_.options_.max_body_bytes, server_.options_.max_slot_records_bytes));
    lowest().expires_after(server_.options_.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = self_ptr()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A slot's records (routes.h) may be far larger than any event; only a
  // cluster node (one with a slot gate) takes them.
  std::size_t body_limit_for(const http::request<http::string_body>& req) const {
    const beast::string_view target = req.target();
    if (server_.slot_gate_.load(std::memory_order_acquire) && req.method() == http::verb::post) {
      for (const beast::string_view moves : {"/api/cluster/slots/", "/api/cluster/picos/"}) {
        if (target.size() > moves.size() && beast::iequals(target.substr(0, moves.size()), moves)) {
          return std::max(server_.options_.max_body_bytes, server_.options_.max_slot_records_bytes);
        }
      }
    }
    return server_.options_.max_body_bytes;
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    auto& req = parser_->get();
    const auto length = parser_->content_length();
    const std::size_t limit = body_limit_for(req);
    parser_->body_limit(limit);
    if (length && *length > limit) {
      return reply_and_close(error_response(413, "PayloadTooLargeError: request entity too large"));
    }
    lowest().expires_after(server_.options_.body_timeout);
    if (!parser_->is_done() && beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      return http::async_write(stream_, *cont,
                               [self = self_ptr(), cont](beast::error_code wec, std::size_t) {
                                 if (wec) return self->do_close();
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = self_ptr()](beast::error_code ec, std::size_t) {
                       if (ec) return self->on_read_error(ec);
                       self->on_request();
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return do_close();
    }
    busy_ = true;
    if (ec == http::error::body_limit) {
      return reply_and_close(error_response(413, "PayloadTooLargeError: request entity too large"));
    }
    if (ec == http::error::header_limit ||
        (ec == http::error::buffer_overflow && !parser_->is_header_done())) {
      return reply_and_close(error_response(431, error_text("request header fields too large")));
    }
    if (ec == http::error::buffer_overflow) {  // a chunk line or the trailer
      return reply_and_close(
          error_response(431, error_text("request trailer fields or chunk line too large")));
    }
    if (ec.category() ==
        http::make_error_code(http::error::bad_target).category()) {  // parse error
      return reply_and_close(error_response(400, error_text("bad request: " + ec.message())));
    }
    do_close();
  }

  void on_request() {
    auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());

    Request r;
    r.method = method_;
    r.target = target_;
    beast::error_code peer_ec;
    const auto peer = lowest().socket().remote_endpoint(peer_ec).address();
    r.from_loopback =
        !peer_ec && (peer.is_loopback() ||
                     (peer.is_v6() && peer.to_v6().is_v4_mapped() &&
                      net::ip::make_address_v4(net::ip::v4_mapped, peer.to_v6()).is_loopback()));
    r.headers.reserve(8);
    for (const auto& field : req) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    const auto content_type = req[http::field::content_type];
    r.content_type = std::string_view(content_type.data(), content_type.size());
    r.body = req.body();
    r.has_body = req.has_content_length() || req.chunked();

    // The owner's credential (owner_guard.h), before anything else sees the request.
    if (!server_.options_.owner_token.empty()) {
      r.owner_guarded = true;
      if (needs_owner_token(r.method, r.target, server_.options_.owner_ecis) &&
          !carries_owner_token(r.headers, server_.options_.owner_token)) {
        return write(owner_token_refusal(), false);
      }
    }

    // The callback holds no executor of the strand: the engine may drop it
    // after the io_context is gone (a request it never answered), and a
    // strand executor destroyed then uses the dead strand service's mutex
    // (TSan: "use of an invalid mutex"). The gate says the context lives.
    std::weak_ptr<Self> weak = self_ptr();
    std::shared_ptr<Gate> gate = server_.gate_;
    Reply reply = [weak, gate](Response response) {
      MutexLock lock(gate->mutex);
      if (!gate->open) return;
      if (auto self = weak.lock()) {
        net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->write(std::move(response), false);
        });
      }
    };

    // A cluster node: a slot it does not serve is forwarded or refused here.
    if (SlotGate* slots = server_.slot_gate_.load(std::memory_order_acquire);
        slots && slots->intercept(r, reply)) {
      return;
    }

    api::WatchRequest watch;
    Response refused;
    if (stream_request(r, &watch, &refused)) {
      if (!refused.body.empty()) return write(std::move(refused), false);
      return start_stream(std::move(watch));
    }

    try {
      dispatch(r, server_.engine_, std::move(reply));
    } catch (const std::exception& e) {
      // dispatch() has answered it already (routes.h: a throw before the
      // answer is a 500), so only the log line is left to write.
      server_.log(std::string("http: request failed: ") + e.what());
    }
  }

  // ---- streams (http_server.h) ------------------------------------------------------------

  // Wakes the session from an engine thread, through the gate (nothing after stop()).
  class Sink final : public api::WatchSink {
   public:
    Sink(std::weak_ptr<Self> session, std::shared_ptr<Gate> gate)
        : session_(std::move(session)), gate_(std::move(gate)) {}
    void wake() override {
      MutexLock lock(gate_->mutex);
      if (!gate_->open) return;
      if (auto s = session_.lock()) s->wake_stream();
    }

   private:
    std::weak_ptr<Self> session_;
    std::shared_ptr<Gate> gate_;
  };

  void start_stream(api::WatchRequest request) {
    std::weak_ptr<Self> weak = self_ptr();
    std::shared_ptr<Gate> gate = server_.gate_;
    auto sink = std::make_shared<Sink>(weak, gate);
    server_.engine_.watch(
        std::move(request), std::move(sink),
        [weak, gate](api::Result<std::shared_ptr<api::Watch>> r) {  // no executor: see on_request
          MutexLock lock(gate->mutex);
          auto self = gate->open ? weak.lock() : nullptr;
          if (!self) {
            if (r.ok()) r.value()->cancel();
            return;
          }
          net::post(self->stream_.get_executor(),
                    [self, r = std::move(r)]() mutable { self->on_watch(std::move(r)); });
        });
  }

  void on_watch(api::Result<std::shared_ptr<api::Watch>> r) {
    if (!r.ok()) return write(status_response(r.status()), false);
    watch_ = std::move(r.value());
    if (closed_ || closing_ || server_.stopping_) return do_close();
    streaming_ = true;
    if (server_.options_.log_requests) server_.log(method_ + " " + target_ + " 200 stream");
    std::string header =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n";
    for (const auto& [name, value] : cors_headers()) header += name + ": " + value + "\r\n";
    header += "\r\n: stream of pico events\n\n";
    // Streams have their own deadlines (write_deadline_): the stream's timer is off.
    lowest().expires_never();
    write_deadline_.emplace(stream_.get_executor());
    keepalive_.emplace(stream_.get_executor());
    watch_client();
    arm_keepalive();
    send(std::move(header));
  }

  // The client sends nothing more on a stream: a read that ends says it has gone.
  void watch_client() {
    auto chunk = std::make_shared<std::array<char, 512>>();
    stream_.async_read_some(net::buffer(*chunk),
                            [self = self_ptr(), chunk](beast::error_code ec, std::size_t) {
                              if (ec) return self->do_close();
                              self->watch_client();
                            });
  }

  void arm_keepalive() {
    keepalive_->expires_after(server_.options_.stream_keepalive);
    keepalive_->async_wait([self = self_ptr()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (!self->writing_) self->send(": keep-alive\n\n");
      self->arm_keepalive();
    });
  }

  // Takes what the watch holds and writes it (one write at a time).
  void pull() {
    if (!streaming_ || closed_ || writing_ || !watch_) return;
    bool ended = false;
    std::string text = watch_->take(&ended);
    if (ended) stream_ended_ = true;
    if (!text.empty()) return send(std::move(text));
    if (stream_ended_) do_close();
  }

  void send(std::string text) {
    writing_ = true;
    auto buf = std::make_shared<std::string>(std::move(text));
    write_deadline_->expires_after(server_.options_.body_timeout);
    write_deadline_->async_wait([self = self_ptr()](beast::error_code ec) {
      if (!ec) self->do_close();  // the client stopped reading
    });
    net::async_write(stream_, net::buffer(*buf),
                     [self = self_ptr(), buf](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       self->write_deadline_->cancel();
                       if (ec) return self->do_close();
                       self->pull();
                     });
  }

  void reply_and_close(Response response) {
    version_ = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    if (parser_ && parser_->is_header_done()) {
      method_ = std::string(parser_->get().method_string());
      target_ = std::string(parser_->get().target());
    }
    linger_ = true;
    write(std::move(response), true);
  }

  // A 429 (the channel's rate limit) goes out after kRefusalHold, on a timer
  // of this strand: a client that ignores Retry-After and asks again at once
  // gets at most one answer per hold on this connection, instead of
  // thousands a second that the I/O threads would serve before its
  // neighbours. stop() and shutdown() cut the hold short.
  void write(Response response, bool close) {
    if (response.status == 429 && !closing_ && !server_.stopping_) {
      if (!hold_) hold_.emplace(stream_.get_executor());
      hold_->expires_after(kRefusalHold);
      return hold_->async_wait(
          [self = self_ptr(), response = std::move(response), close](beast::error_code) mutable {
            self->send_reply(std::move(response), close);
          });
    }
    send_reply(std::move(response), close);
  }

  void send_reply(Response response, bool close) {
    const bool keep_alive = keep_alive_ && !close && !closing_ && !server_.stopping_;
    std::shared_ptr<http::response<http::string_body>> res;
    try {
      res = build_reply(std::move(response), keep_alive);
    } catch (const std::exception& e) {
      // A header a ruleset made (a _redirect, a _cookie) that HTTP cannot carry.
      server_.log(std::string("http: cannot send the reply: ") + e.what());
      response =
          error_response(500, error_text("the reply cannot be sent: " + std::string(e.what())));
      res = build_reply(std::move(response), false);
    }
    server_.engine_.http_replied(res->result_int());
    if (server_.options_.log_requests) {
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
              .count();
      char elapsed[32];
      std::snprintf(elapsed, sizeof elapsed, "%.3fms", ms);
      server_.log(method_ + " " + target_ + " " + std::to_string(response.status) + " " + elapsed);
    }
    lowest().expires_after(server_.options_.body_timeout);
    http::async_write(stream_, *res, [self = self_ptr(), res](beast::error_code ec, std::size_t) {
      self->busy_ = false;
      if (!ec && self->linger_) return self->linger_and_close();
      if (ec || !res->keep_alive()) return self->do_close(!ec);
      self->do_read();
    });
  }

  // May throw std::length_error for a header field Beast cannot hold.
  std::shared_ptr<http::response<http::string_body>> build_reply(Response response,
                                                                 bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    if (!response.content_type.empty()) res->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : cors_headers()) res->set(name, value);
    for (const auto& [name, value] : response.headers) res->insert(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    return res;
  }

  // After an error reply to a request not read to its end: stop sending, read
  // and drop what the client still sends (bounded in time and bytes), then
  // close. Closing at once with unread bytes would reset the connection and
  // could destroy the reply before the client reads it.
  void linger_and_close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return do_close();
    lowest().expires_after(kLingerTime);
    drain();
  }

  void drain() {
    auto chunk = std::make_shared<std::array<char, 4096>>();
    stream_.async_read_some(net::buffer(*chunk),
                            [self = self_ptr(), chunk](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes || self->server_.stopping_)
                                return self->do_close();
                              self->drain();
                            });
  }

  // graceful: no read or write is pending (after a reply that ends the
  // connection), so TLS may say close_notify first, within kTlsShutdownTime.
  void do_close(bool graceful = false) {
    if (closed_) return;
    closed_ = true;
    if (watch_) watch_->cancel();
    watch_.reset();
    if (keepalive_) keepalive_->cancel();
    if (hold_) hold_->cancel();
    if (write_deadline_) write_deadline_->cancel();
    if constexpr (kTls) {
      if (graceful && handshaken_) {
        lowest().expires_after(kTlsShutdownTime);
        return stream_.async_shutdown(
            [self = self_ptr()](beast::error_code) { self->close_socket(); });
      }
    }
    close_socket();
  }

  void close_socket() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    lowest().socket().close(ec);
    server_.remove_session(this);
  }

  // The most a request may hold unparsed: its header, a chunk line or its
  // trailer. Beast holds the trailer to no limit of its own (and throws on a
  // field over 64 KiB), so the buffer's own limit is what bounds it.
  static std::size_t framing_limit(std::size_t max_header_bytes) { return max_header_bytes + 1024; }

  Stream stream_;
  bool handshaken_ = false;  // TLS: the handshake is done (close_notify may be sent)
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  detail::ServerImpl& server_;
  // Of the current request, for the reply and the log line.
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::string method_;
  std::string target_;
  std::chrono::steady_clock::time_point started_;
  static constexpr std::chrono::milliseconds kLingerTime{1000};
  static constexpr std::chrono::milliseconds kTlsShutdownTime{1000};
  static constexpr std::size_t kLingerBytes = 1u << 20;
  static constexpr std::chrono::milliseconds kRefusalHold{1000};
  std::optional<net::steady_timer> hold_;  // a 429 waiting its kRefusalHold
  bool linger_ = false;                    // the reply ends the connection after an error
  std::size_t drained_ = 0;
  // A stream (GET /c/:eci/stream): the engine's watch, one write at a time.
  std::shared_ptr<api::Watch> watch_;
  std::optional<net::steady_timer> keepalive_, write_deadline_;
  bool streaming_ = false;
  bool writing_ = false;
  bool stream_ended_ = false;  // the watch has ended: close once its text is written
  bool busy_ = false;          // a request is being handled
  bool closing_ = false;       // stop(): close after the current reply
  bool closed_ = false;
};

}  // namespace detail

std::optional<unsigned short> detail::ServerImpl::start(std::string* error) {
  auto fail = [error](std::string message) -> std::optional<unsigned short> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (started_) return fail("the server was already started");
  if (options_.threads < 1) return fail("threads must be at least 1");
  // Beast cannot hold a field over 64 KiB (it throws): keep every header,
  // and so every field, under that.
  if (options_.max_header_bytes < 1024 || options_.max_header_bytes > 60'000)
    return fail("max_header_bytes must be between 1024 and 60000");
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    std::string why;
    tls_ = server_tls_context(options_.tls_cert_file, options_.tls_key_file, &why);
    if (!tls_) return fail(why);
  }
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return fail("cannot resolve host " + options_.host + ": " + ec.message());
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();

  acceptor_.emplace(net::make_strand(ioc_));
  accept_retry_.emplace(acceptor_->get_executor());
  if (acceptor_->open(endpoint.protocol(), ec); ec) return fail("open: " + ec.message());
  acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (acceptor_->bind(endpoint, ec); ec) {
    return fail("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " +
                ec.message());
  }
  if (acceptor_->listen(net::socket_base::max_listen_connections, ec); ec) {
    return fail("listen: " + ec.message());
  }
  const unsigned short port = acceptor_->local_endpoint().port();
  started_ = true;
  work_.emplace(ioc_.get_executor());
  do_accept();
  threads_.reserve(static_cast<size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { run_io(); });
  return port;
}

void detail::ServerImpl::run_io() {
  // No exception may end the process. A handler that throws loses its own
  // operation (its connection times out and closes); the thread goes on.
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      log(std::string("http: handler failed: ") + e.what());
    } catch (...) {
      log("http: handler failed");
    }
  }
}

void detail::ServerImpl::do_accept() {
  acceptor_->async_accept(
      net::make_strand(ioc_), [self = this](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_->is_open()) return;
        if (ec) {
          // Out of descriptors (EMFILE) the connection stays
          // queued and accept fails again at once: wait
          // before the next try rather than spin.
          self->log(std::string("accept: ") + ec.message());
          return self->accept_later();
        } else {
          bool full;
          {
            MutexLock lock(self->sessions_mutex_);
            full = self->sessions_.size() >= self->options_.max_connections;
          }
          if (full || self->stopping_) {
            beast::error_code ignored;
            socket.close(ignored);
          } else {
            std::shared_ptr<Session> session;
            if (self->tls_) {
              session = std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
                  std::move(socket), *self);
            } else {
              session = std::make_shared<HttpSession<beast::tcp_stream>>(std::move(socket), *self);
            }
            self->add_session(session);
            session->start();
          }
        }
        self->do_accept();
      });
}

void detail::ServerImpl::accept_later() {
  accept_retry_->expires_after(kAcceptRetry);
  accept_retry_->async_wait([self = this](beast::error_code ec) {
    if (ec || !self->acceptor_->is_open()) return;
    self->do_accept();
  });
}

void detail::ServerImpl::add_session(const std::shared_ptr<Session>& s) {
  MutexLock lock(sessions_mutex_);
  sessions_.emplace(s.get(), s);
}

void detail::ServerImpl::remove_session(Session* s) {
  std::shared_ptr<Session> last;  // released outside the lock
  MutexLock lock(sessions_mutex_);
  auto it = sessions_.find(s);
  if (it == sessions_.end()) return;
  last = std::move(it->second);
  sessions_.erase(it);
  if (sessions_.empty()) sessions_empty_.notify_all();
}

void detail::ServerImpl::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  net::post(acceptor_->get_executor(), [self = this] {
    beast::error_code ec;
    self->acceptor_->close(ec);
    self->accept_retry_->cancel();
  });
  std::vector<std::shared_ptr<Session>> open;
  {
    MutexLock lock(sessions_mutex_);
    for (auto& [ptr, s] : sessions_) open.push_back(s);
  }
  for (auto& s : open) s->shutdown();
  open.clear();
  {
    UniqueMutexLock lock(sessions_mutex_);
    sessions_empty_.wait_for(lock.native(), options_.stop_grace, [this] {
      sessions_mutex_.assert_held();
      return sessions_.empty();
    });
  }
  {
    MutexLock lock(gate_->mutex);
    gate_->open = false;
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::unordered_map<Session*, std::shared_ptr<Session>> left;
  {
    MutexLock lock(sessions_mutex_);
    left.swap(sessions_);
  }
  left.clear();
}

HttpServer::HttpServer(api::EngineApi& engine, HttpServerOptions options)
    : impl_(std::make_unique<detail::ServerImpl>(engine, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

std::optional<unsigned short> HttpServer::start(std::string* error) {
  return impl_->start(error);
}

void HttpServer::stop() {
  impl_->stop();
}

void HttpServer::set_slot_gate(SlotGate* gate) {
  impl_->slot_gate_.store(gate, std::memory_order_release);
}

}  // namespace spime::channels
