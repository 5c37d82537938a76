// HeldConnections: many keep-alive HTTP/1.1 connections to one engine, each
// posting a heartbeat every `interval` seconds, all driven by one I/O thread
// (Boost.Asio and Beast; no thread per connection). The load of
// `spime devices hold` (hold.h).
//
// The run, on its own thread:
//   ramp  connections are opened ramp_per_second a second, in batches every
//         100 ms, so the server's accept queue is never flooded; a connect
//         that fails or does not finish within the request timeout is
//         counted failed and not retried. The ramp is over when every
//         connection has been tried and has connected or failed;
//   hold  each connection posts its first heartbeat at a random phase in
//         [0, interval) after it opened, then one every interval, on that
//         grid. When its time comes while the last heartbeat is unanswered,
//         the next one leaves as soon as the answer arrives (counted late),
//         and a connection behind its grid sends at once until it caught
//         up: one request in flight per connection. The hold ends
//         `duration` seconds after the ramp; no heartbeat leaves after that;
//   end   once the hold is over and every answer is in (or its deadline
//         passed), the connections stay open, idle, until finish() closes
//         them: the caller can read the server with every connection open.
// Connection c's j-th heartbeat goes to target (c + j * C) mod T: the
// connections share the targets round robin.
//
// An https url makes every connection TLS (Beast's ssl_stream over a
// tcp_stream, one shared client context): SNI for a host name, the engine's
// chain verified against plan.cafile (else the system's CAs) and its name or
// address checked, as client::HttpClient does. The handshake follows the
// TCP connect within the same deadline; a connection whose handshake fails
// is counted connect_failed, with the reason ("TLS handshake: ...") as
// first_error. Plain http connections are bare sockets, as before.
//
// While idle, every connection keeps a read pending, so a server that closes
// it is seen at once (closed_by_server), not at its next heartbeat. Every
// connect and every heartbeat has a deadline (request_timeout); a heartbeat
// that misses it closes its connection (dropped). A connection that closed
// stays closed: the figures say how many stayed open. finish() closes with
// a reset (SO_LINGER 0), so a run leaves no TIME_WAIT sockets behind to
// use up loopback ports for the next.
//
// Memory is bounded by the connections: each holds a socket (https: and its
// TLS stream, about 100 KB more, mostly Asio's and OpenSSL's record
// buffers), a timer, a read buffer of at most kMaxAnswerBytes and its request
// while it is written;
// latencies go to a fixed histogram (LiveCounters).
//
// Thread-safety: start(), the waits and finish() from one controlling
// thread, in that order; `live` may be read from any thread meanwhile. The
// body function is called on the I/O thread only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "channels/client/http_client.h"
#include "devices/progress.h"

namespace spime::devices {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;  // an answer's header and body

struct HoldPlan {
  int connections = 1;
  double interval = 5;   // s between two heartbeats of one connection
  double duration = 10;  // s of hold after the ramp
  int ramp_per_second = 5000;
  std::chrono::milliseconds request_timeout{10000};
  std::uint64_t seed = 1;  // the phases
  // https urls: the CAs (PEM) to verify the engine with; "": the system's.
  std::string cafile;
  // Sent as `Authorization: Bearer <token>` on every heartbeat unless empty.
  std::string token;
};

// What finish() reports. Heartbeats by status and their latencies are in
// the LiveCounters (sent = acknowledged + refused + failed once finished).
struct HoldFigures {
  int attempted = 0;         // connections tried
  int established = 0;       // connected (https: and shook hands)
  int connect_failed = 0;    // refused, reset or timed out while connecting (or shaking hands)
  int handshake_failed = 0;  // of connect_failed: connected, but the TLS handshake failed
  int closed_by_server = 0;  // end of stream, reset or `Connection: close`
  int dropped = 0;           // closed by this side: a deadline missed, an answer unasked
  int open_at_end = 0;       // still open when the hold was over
  std::int64_t late = 0;     // heartbeats that left after their time (the last unanswered)
  std::map<int, std::int64_t> by_status;  // 0: no answer
  double max_ms = 0;                      // the slowest answer, from sending
  // From each heartbeat's time on its connection's grid to its answer: the
  // latency a sensor on that schedule sees, waits behind an unanswered
  // heartbeat included (no coordinated omission); ~3 %, the max exact.
  double due_p50 = 0, due_p99 = 0, due_max_ms = 0;
  double ramp_seconds = 0;  // start to the end of the ramp
  std::string first_error;  // the first failure, for the summary
};

class HeldConnections {
 public:
  // `targets` are request targets ("/sky/event/<eci>/..."), put after the
  // url's base; body(t) makes the JSON body of a heartbeat to target t.
  HeldConnections(const client::Url& url, std::vector<std::string> targets,
                  std::function<std::string(int target)> body, const HoldPlan& plan,
                  LiveCounters* live);
  ~HeldConnections();  // finish()es
  HeldConnections(const HeldConnections&) = delete;
  HeldConnections& operator=(const HeldConnections&) = delete;

  // Resolves the url, (https) loads the CAs and starts the I/O thread; ""
  // on success, else why not.
  std::string start();
  // Wait at most `max_wait` for the end of the ramp / the end of the hold
  // (every answer in); true once it came.
  bool wait_ramped(std::chrono::milliseconds max_wait);
  bool wait_held(std::chrono::milliseconds max_wait);
  // Closes every connection, joins the I/O thread; the figures. Idempotent.
  HoldFigures finish();

 private:
  struct Run;
  std::unique_ptr<Run> run_;
};

}  // namespace spime::devices
