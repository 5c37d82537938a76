// The summary of a run, on stdout: a few lines of text, or (--json) one
// JSON object:
//   {"url", "owner", "prototype", "devices", "collections", "connections", "seed",
//    "shares": {"hot", "low_battery", "silent"},            (devices)
//    "setup": {"seconds", "devices_created", "devices_reused", "devices_from_file",
//              "collections_created", "collections_reused", "memberships_added",
//              "memberships_moved", "spimes_installed"},
//    "load": {"seconds", "pacing", "sent", "rate", "capped",
//             "latency_ms": {"p50", "p90", "p99", "max"}},  (the timed load)
//    "protocol": "http" | "mqtt",
//    "heartbeats": {"sent", "acknowledged", "refused", "failed", "by_status",
//                   "malformed_sent", "malformed_refused"},  (load and check rounds)
//    "mqtt": {"broker", "stray_replies"},                    (with --protocol mqtt)
//    "server": {"pid", "rss_mb", "cpu_us_per_heartbeat"},   (with --server-pid)
//    "checks": [{"name", "state", "detail", "data"}],
//    "passed"}
// sent = acknowledged + refused + failed. With --setup-only: no "load",
// "heartbeats" or "checks". by_status names HTTP statuses ("200", "400",
// "no answer"); over MQTT it names replies: "reply" ({eid, directives}),
// "error reply" ({"error"}), "bad reply" (another shape), "no answer"
// (none within the deadline, or the broker took no message).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/end_check.h"
#include "devices/fleet_setup.h"
#include "devices/server_usage.h"

namespace spime::devices {

struct LoadFigures {
  double seconds = 0;
  std::string pacing;  // "unpaced", "100/s", "every 5 s per device"
  std::int64_t sent = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // ms
  bool capped = false;
};

struct HeartbeatFigures {
  std::int64_t sent = 0, acknowledged = 0, refused = 0, failed = 0;
  std::int64_t malformed_sent = 0, malformed_refused = 0;
  std::map<int, std::int64_t> by_status;  // 0: no answer
};

struct Summary {
  std::string url;
  SimulateOptions options;
  const Fleet* fleet = nullptr;
  int hot = 0, low_battery = 0, silent = 0;
  std::optional<LoadFigures> load;
  HeartbeatFigures heartbeats;
  std::optional<ServerUsage> server_before, server_after;
  std::vector<CheckResult> checks;
  std::int64_t stray_replies = 0;  // MQTT replies for no request in flight

  bool passed() const;
};

nlohmann::json summary_json(const Summary& s);
std::string summary_text(const Summary& s);

}  // namespace spime::devices
