// The HTTP server: a Beast listener, keep-alive sessions and a small pool of
// I/O threads in front of an EngineApi.
//
// Each connection is a session on its own strand: read one request (header
// then body, each under a timeout), hand it to the route table, and write the
// reply when the engine answers. No I/O thread ever waits on the engine: the
// engine's answer is posted back to the session's strand. One request per
// connection is in flight at a time (pipelined requests wait their turn).
//
// Limits: a body over `max_body_bytes` is a 413 (the connection then closes);
// headers over `max_header_bytes` a 431, and so is a chunked body's trailer or
// chunk line over that size (the read buffer holds no more); malformed HTTP a
// 400, then close; a request that does not arrive within its timeout closes
// the connection; past `max_connections` open connections new ones are closed
// at once; an accept that fails (out of file descriptors) is tried again
// after 100 ms, not at once, so a full descriptor table does not spin an I/O
// thread. An idle keep-alive connection holds its socket, its timers, an
// empty parser and a read buffer that keeps the size it grew to (at most
// `max_header_bytes` + 1 KiB), and is closed after `header_timeout` without
// a request. A 429 (a channel's rate limit) is answered after a hold of one
// second, so a client that ignores Retry-After cannot make the I/O threads
// answer it thousands of times a second. After an error reply the server reads and drops what the
// client still sends (at most 1 s, 1 MiB) before closing, so the client can read it.
//
// Streams (GET /c/:eci/stream, routes.h's stream_request): the session
// answers with an SSE header (no length: the body runs until the connection
// closes) and then writes what the engine's Watch holds each time the engine
// wakes it, one write at a time, from the session's strand; the engine never
// waits for a client (the Watch's buffer is bounded; a client that falls
// behind is dropped by the engine). A comment line (": keep-alive") goes out
// every `stream_keepalive` so proxies keep the connection open. A write that
// does not finish within `body_timeout` closes the connection; so does the
// client closing its side. stop() closes streams at once.
//
// TLS (tls_cert_file/tls_key_file): every connection of the listener is
// TLS, its handshake under header_timeout; everything above holds over it,
// streams included. A reply that ends the connection sends close_notify
// first (at most 1 s more); a stream or an idle connection is just closed.
//
// The owner's token (owner_token): checked before routing, see owner_guard.h.
//
// No exception ends the process: a route that throws is answered 500, a reply
// that HTTP cannot carry (a header over 64 KiB) becomes a 500, and an I/O
// thread logs anything else that escapes a handler and goes on.
//
// Thread-safety: start() and stop() from one controlling thread; everything
// else runs on the server's own threads. The EngineApi must outlive the
// server; its callbacks may safely fire after stop() (they are ignored).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/api/engine_api.h"

namespace spime::channels {

namespace detail {
class ServerImpl;
}
class SlotGate;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: an ephemeral port (see start())
  int threads = 2;
  std::size_t max_body_bytes = 1u << 20;
  // The body of POST /api/cluster/slots/:slot/import on a cluster node (a
  // server with a slot gate): a whole slot's records. Elsewhere the route
  // has max_body_bytes, as every other.
  std::size_t max_slot_records_bytes = std::size_t{256} << 20;
  std::size_t max_header_bytes = 16u << 10;  // 1024..60000 (start() refuses others)
  std::size_t max_connections = 10000;
  // Waiting for a request's header, keep-alive idle time included.
  std::chrono::milliseconds header_timeout{30'000};
  // Reading a body / writing a reply.
  std::chrono::milliseconds body_timeout{60'000};
  // Between two keep-alive comments on an idle stream.
  std::chrono::milliseconds stream_keepalive{15'000};
  // How long stop() lets in-flight requests finish before it cuts them off.
  std::chrono::milliseconds stop_grace{5'000};
  // TLS (server_tls.h): both PEM files, or neither (plain HTTP). start()
  // refuses a certificate or key it cannot load, or a key that does not
  // match the certificate. TLS 1.2 and later.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The owner's credential (owner_guard.h): empty, none. Else the routes
  // owner_guard.h lists need `Authorization: Bearer <owner_token>`, and the
  // dashboard's files are served to any peer (not loopback's alone).
  std::string owner_token;
  std::vector<std::string> owner_ecis;  // the root's owner and UI channels
  bool log_requests = false;
  // Debug-level log lines: one per request when log_requests is set
  // ("GET /sky/cloud/... 200 1.234ms"), and listener errors. Called from the
  // server's threads.
  std::function<void(const std::string&)> log;
};

class HttpServer {
 public:
  HttpServer(api::EngineApi& engine, HttpServerOptions options);
  ~HttpServer();  // stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Returns the bound port, or
  // nullopt with *error set (bad host, port in use, already started).
  std::optional<unsigned short> start(std::string* error = nullptr);

  // Closes the listener and idle connections, lets in-flight requests get
  // their replies (up to stop_grace), then joins the threads. Idempotent.
  void stop();

  // A cluster node's slot gate (slot_gate.h), asked about every request
  // before the routes; nullptr (the default) asks none. Any thread, any
  // time; `gate` must outlive stop().
  void set_slot_gate(SlotGate* gate);

 private:
  std::unique_ptr<detail::ServerImpl> impl_;
};

}  // namespace spime::channels
