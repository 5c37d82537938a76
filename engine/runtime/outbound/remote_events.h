// Remote events: one POST of an event to a pico on another engine, the way
// the reference (pico-engine-core modules/event.ts, send) does it:
//   ${host}/c/${eci}/event/${domain}/${name}
// with `content-type: application/json` and the attrs as KRL-encoded JSON,
// plus `X-Spime-Ack: processed`: a spime receiver then answers 2xx only once
// the event's schedule has run and committed there (a rule error there is
// a 200 too: processed), so an accepted event survives a crash of the
// receiver as well; other engines ignore the header. With a sender, also
// `X-Spime-Sender: <sender>` and `X-Spime-Event-Id: <event_id>`, by which a
// spime receiver answers a repeat without running it again
// (runtime/records/delivery_records.h). The outbox (outbox.h) decides when to post and
// what to do with the outcome; this file only knows how to post once and how to read the answer.
//
// Contract of post_remote_event():
//  - Blocking, on the caller's thread (the outbox's own workers: never a CAF
//    worker or an HTTP I/O thread), bounded by `timeout` for resolve,
//    connect, TLS, write and read together (a blocking DNS lookup that the
//    resolver cannot cancel may outlast it).
//  - The outcome is one of: accepted (2xx); retry (no answer: connection
//    refused or reset, timeout, TLS failure; or 408, 429, 5xx); refused
//    (every other status, and a host that is not an http(s) URL: sending it
//    again cannot succeed). `error` says why in one line ("503 Service
//    Unavailable", "cannot connect to h:1: Connection refused", "timed out
//    after 5000 ms", "unsupported url scheme ftp (host must be http:// or
//    https://)").
//  - Response bodies are read up to kMaxResponseBytes and discarded; only the
//    status matters. https verifies the peer against the system store.
//  - Never throws (an SSL context that cannot be made is a retry).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace spime::runtime {

inline constexpr std::size_t kMaxResponseBytes = 64 * 1024;

struct RemoteEvent {
  std::string host;  // "http(s)://host[:port][/base/path]", trailing '/' allowed
  std::string eci, domain, name;
  std::string attrs_json;      // the POST body, already KRL-encoded
  std::string sender{};        // this engine's id ("": no delivery headers)
  std::uint64_t event_id = 0;  // the event's id at this engine, the same on every try
};

// The URL the reference posts to: host (trailing '/' trimmed) + "/c/" + eci +
// "/event/" + domain + "/" + name, each of the three segments percent-encoded
// (everything but A-Z a-z 0-9 - . _ ~ becomes %XX), so any eci, domain or
// name stays one path segment.
std::string remote_event_url(const RemoteEvent& e);

struct PostOutcome {
  enum class Kind { kAccepted, kRetry, kRefused };
  Kind kind = Kind::kRetry;
  unsigned status = 0;  // the HTTP status; 0 when there was no answer
  std::string error;    // empty when accepted
};

// What an HTTP status means for an event: 2xx accepted; 408, 429 and 5xx
// retry; anything else refused.
PostOutcome::Kind classify_status(unsigned status);

// Why `host` cannot be posted to ("" when it can): not an http(s) URL, a
// query or fragment, a bad port, credentials, no host. A host refused here
// is refused by post_remote_event too.
std::string remote_host_error(const std::string& host);

// `abort` (may be null): once set, the POST gives up within 50 ms as at its
// timeout (a retry outcome); the outbox's stop uses it.
PostOutcome post_remote_event(const RemoteEvent& e, std::chrono::milliseconds timeout,
                              const std::atomic<bool>* abort = nullptr);

}  // namespace spime::runtime
