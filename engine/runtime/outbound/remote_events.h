// RemoteEventSender: event:send to a pico on another engine (a `host` given).
//
// The reference (pico-engine-core modules/event.ts, send) POSTs
//   ${host}/c/${eci}/event/${domain}/${name}
// with `content-type: application/json` and the attrs as KRL-encoded JSON,
// fire and forget: the sending rule never waits for nor sees the outcome;
// failures are only logged. The engine submits AFTER the sending schedule
// committed, so an event never leaves for a schedule that was rolled back.
//
// Contract:
//  - One worker thread delivers the events in submission order, one POST at a
//    time, each bounded by `Options::timeout` (resolve, connect, TLS, write and
//    read together). The caller's thread never does network I/O.
//  - submit() never blocks on the network: it returns false, changing
//    nothing, when `capacity` events already wait (the in-flight one is not
//    counted) or the sender is shutting down. The caller logs the drop.
//  - Every failure reaches `log` as one line "event:send POST <url>: <reason>"
//    (connection refused, non-2xx status, timeout, host that is not an
//    http(s) URL, ...). `log` runs on the worker thread; it must not call back
//    into this sender's destructor.
//  - Response bodies are read up to kMaxResponseBytes and discarded; only the
//    status matters. https verifies the peer against the system store.
//  - The destructor refuses new events, keeps delivering what is queued for at
//    most one `timeout` (the grace: no POST runs past it), logs how many it
//    abandons after that, and joins the worker. So it returns within about one
//    timeout, plus a blocking DNS lookup that cannot be cancelled.
//  - All members are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace spime::runtime {

struct RemoteEvent {
  std::string host;  // "http(s)://host[:port][/base/path]", trailing '/' allowed
  std::string eci, domain, name;
  std::string attrs_json;  // the POST body, already KRL-encoded
};

// The URL the reference posts to: host (trailing '/' trimmed) + "/c/" + eci +
// "/event/" + domain + "/" + name, each of the three segments percent-encoded
// (everything but A-Z a-z 0-9 - . _ ~ becomes %XX), so any eci, domain or
// name stays one path segment.
std::string remote_event_url(const RemoteEvent& e);

class RemoteEventSender {
 public:
  static constexpr std::size_t kMaxResponseBytes = 64 * 1024;

  struct Options {
    std::size_t capacity = 1024;
    std::chrono::milliseconds timeout{5000};
  };

  RemoteEventSender(Options options, std::function<void(const std::string&)> log);
  ~RemoteEventSender();
  RemoteEventSender(const RemoteEventSender&) = delete;
  RemoteEventSender& operator=(const RemoteEventSender&) = delete;

  // Queues `e` for delivery; false (and nothing queued) when full or stopping.
  bool submit(RemoteEvent e);

  // For tests and shutdown: waits up to `max_wait` until nothing is queued and
  // no POST runs. True when idle.
  bool wait_idle(std::chrono::milliseconds max_wait);

 private:
  using Clock = std::chrono::steady_clock;

  void run();
  void deliver(const RemoteEvent& e, Clock::time_point deadline);
  void emit(const std::string& line);

  const Options options_;
  const std::function<void(const std::string&)> log_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // queue_ gained an event, or stopping_
  std::condition_variable idle_cv_;  // a delivery finished
  std::deque<RemoteEvent> queue_;
  bool busy_ = false;      // a POST runs
  bool stopping_ = false;  // destructor started; no more submits
  Clock::time_point grace_deadline_;

  std::thread worker_;  // last: starts after everything above exists
};

}  // namespace spime::runtime
