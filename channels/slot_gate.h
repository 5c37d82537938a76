// SlotGate: a cluster node's gate in front of the routes (docs/cluster.md,
// "Fencing" and "Routing with HAProxy"). A request whose path names an ECI
// (routes.h's eci_of_target) in a slot this node does not serve never
// reaches the engine: it is forwarded once to the slot's owner, or refused
// with 503 and `Retry-After` (cluster/slot_route.h says which). Requests
// for slots this node serves, ECIs without a slot and every other path pass
// through untouched.
//
// Forwarding: the request goes to the owner's advertised URL as it came
// (method, path and query, body, headers but the hop-by-hop ones and Host),
// with `X-Spime-Forwarded-By: <this node>`, which makes the owner refuse
// rather than forward again. Its answer comes back as it is (status, body,
// Content-Type, Set-Cookie, Location, Retry-After, ...). Forwards run on
// the gate's own threads (never a Beast thread), each bounded by the
// timeout, with at most `max_waiting` queued: beyond that, 503. A forward
// that gets no answer is a 503 too: an event may then have run on the
// owner, as behind any proxy; a client that retries may run it twice.
// A stream (GET /c/:eci/stream) is never forwarded: refused instead (the
// router sends it to the owner).
//
// Thread-safety: intercept() from any thread; the table is read lock-free
// on the serving path. stop() (and the destructor) answers the forwards
// still queued with 503, lets the running ones finish (each within the
// timeout) and joins the threads; the table and every reply's target must
// outlive it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "channels/routes.h"
#include "engine/base/thread_annotations.h"
#include "engine/cluster/slot_table.h"

namespace spime::channels {

// The header a forwarded request carries: the forwarding node's name.
inline constexpr char kForwardedByHeader[] = "X-Spime-Forwarded-By";

class SlotGate {
 public:
  struct Options {
    int threads = 4;
    std::size_t max_waiting = 1024;
    std::chrono::milliseconds timeout{10000};
    std::size_t max_body_bytes = 16u << 20;
  };

  SlotGate(const cluster::SlotTable& table, Options options);
  ~SlotGate();
  SlotGate(const SlotGate&) = delete;
  SlotGate& operator=(const SlotGate&) = delete;

  // True: the request is the gate's, and `reply` is called exactly once,
  // now (a refusal) or from a gate thread (the forwarded answer). False:
  // the caller routes it (reply untouched).
  bool intercept(const Request& request, const Reply& reply);

  // Answers the queued forwards with 503 at once ("the node is stopping"),
  // then waits for the running ones and joins the threads; intercept()
  // refuses from then on. Idempotent; not from a reply.
  void stop() SPIME_EXCLUDES(mu_);

  // Forwards queued, not yet taken by a thread. Any thread.
  std::size_t waiting() const SPIME_EXCLUDES(mu_);

 private:
  struct Forward;
  void work();

  const cluster::SlotTable& table_;
  const Options options_;
  mutable Mutex mu_;
  std::condition_variable wake_;
  std::deque<Forward> waiting_ SPIME_GUARDED_BY(mu_);
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::channels
