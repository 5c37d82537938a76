// The summary of `spime devices hold`, on stdout: a few lines of text, or
// (--json) one JSON object:
//   {"url", "prototype", "devices", "connections", "interval", "duration", "ramp", "seed",
//    "connection": {"attempted", "established", "failed", "closed_by_server", "dropped",
//                   "open_at_end", "ramp_seconds"},
//    "heartbeats": {"sent", "acknowledged", "refused", "failed", "late", "by_status"},
//    "hold": {"seconds", "sent", "rate", "latency_ms": {"p50", "p90", "p99", "max"},
//             "latency_from_due_ms": {"p50", "p99", "max"}},
//    "server": {"pid", "rss_mb": {"before", "open", "held", "peak", "after"},
//               "cpu_us_per_heartbeat"},                       (with --server-pid)
//    "first_error",                                          (when something failed)
//    "passed"}
// sent = acknowledged + refused + failed (failed: 5xx or no answer). "hold"
// is the window from the end of the ramp to the end of the hold: its rate
// and the server's CPU per heartbeat are over it; latencies are of every
// answer, to the histogram's ~3 % (LatencyHistogram), the max exact:
// latency_ms from sending, latency_from_due_ms from the heartbeat's time
// on its connection's grid (a heartbeat that waited for the answer to the
// one before counts its wait). The
// server's RSS is read before the ramp, at its end, at the end of the hold
// (every connection still open), at its highest (read once a second) and
// about two seconds after the connections closed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "devices/hold.h"
#include "devices/hold_connections.h"
#include "devices/server_usage.h"

namespace spime::devices {

struct HoldReport {
  std::string url;
  HoldOptions options;
  int devices = 0;
  HoldFigures figures;
  std::int64_t sent = 0, acknowledged = 0, refused = 0, failed = 0;
  double p50 = 0, p90 = 0, p99 = 0;  // ms
  bool ramp_completed = false, hold_completed = false;
  double window_seconds = 0;     // the end of the ramp to the end of the hold
  std::int64_t window_sent = 0;  // heartbeats sent in that window
  std::optional<ServerUsage> before, open, held, after;
  double peak_rss_mb = 0;

  // Every connection established and held to the end; every heartbeat 2xx.
  bool passed() const;
};

nlohmann::json hold_json(const HoldReport& r);
std::string hold_text(const HoldReport& r);

}  // namespace spime::devices
