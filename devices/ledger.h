// The ledger (`spime devices simulate --ledger FILE`): one line per good
// heartbeat the load sent whose fate matters to a crash test, so that a
// script that kills and restarts the engine under the load can compare what
// the engine acknowledged with what its logs hold afterwards
// (scripts/crash-cycles.sh).
//
// Each line is one JSON object, written when the heartbeat's answer (or its
// failure) is known, appended and flushed at once:
//   {"device": "sim-device-0001", "sent_eid": "sim-<run>-0-17",
//    "eid": "<the engine's eid>" (acknowledged only),
//    "timestamp": "2026-12-07T02:41:04.123Z", "acknowledged": true|false,
//    "status": HTTP status (0: no answer), "readings": temperature readings,
//    "violations": readings out of limits}
// acknowledged true: a 2xx with its eid and directives; the heartbeat's
// schedule is durable (every reading must be in the device's history once,
// every violation in each of its collections' logs once). false: refused or
// no answer (it may or may not have been stored, at most once; a device
// never sends it again, its next heartbeat is a new one). Malformed
// heartbeats are not written (no log can hold them).
//
// `timestamp` is the heartbeat's own time (its top-level "timestamp", which
// esproto_router passes on as device_timestamp to the readings and the
// violation reports): milliseconds, strictly increasing per device, so with
// the device's name it names the heartbeat in every log.
//
// Bounded memory: nothing is kept; a line is written and flushed (to the
// kernel) before the load moves on, so the file holds every heartbeat
// answered before the simulator itself stopped.
//
// Thread-safety: write() may be called from any thread (a mutex).
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace spime::devices {

struct LedgerLine {
  std::string device;
  std::string sent_eid;
  std::string eid;  // the engine's (acknowledged only)
  std::string timestamp;
  bool acknowledged = false;
  int status = 0;
  int readings = 0;
  int violations = 0;
};

class Ledger {
 public:
  Ledger() = default;
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Opens `path` for appending (made when missing); "" when open, else why not.
  std::string open(const std::string& path);
  bool is_open() const { return file_ != nullptr; }
  // Appends one line and flushes it; false once a write failed (the first
  // failure is kept in error()).
  bool write(const LedgerLine& line);
  std::int64_t lines() const;
  std::string error() const;

 private:
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
  std::string path_;
  std::string error_;
  std::int64_t lines_ = 0;
};

// `ms` since the epoch as ISO 8601 UTC with milliseconds ("...T02:41:04.123Z").
std::string iso_millis(std::int64_t ms);

// The heartbeat `body` (a JSON object's text) with a top-level "timestamp":
// `timestamp` put first. A body that is no object is returned as it is.
std::string with_timestamp(const std::string& body, const std::string& timestamp);

}  // namespace spime::devices
