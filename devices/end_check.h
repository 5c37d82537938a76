// The end check: did the engine see what the fleet did?
//
//   answers     every good heartbeat acknowledged carried one
//               threshold_violation directive per reading out of its limits
//               and a battery_level_low one when its healthPercent was under
//               the router's level; no good heartbeat refused, none failed;
//   malformed   every malformed heartbeat refused with a 4xx;
//   violations  the collections' logs (spimes_collection/violations, paged
//               by cursor, newer than the mark taken before the load) hold,
//               per device, exactly the violations its acknowledged
//               heartbeats caused, in its own collection; reports still on
//               their way are waited for, up to --settle seconds; a heartbeat
//               whose answer never came may or may not count;
//   silent      (silence.h) the silent devices reported silent, and back.
//
// With --ride-outages (the engine may be killed and restarted under the
// load): failures fail neither answers nor malformed, and violations and
// silent are skipped; the ledger is the check then.
//
// Each check is passed, failed or skipped (with the reason).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"
#include "devices/fleet_setup.h"
#include "devices/load_loop.h"

namespace spime::devices {

struct CheckResult {
  std::string name;
  std::string state = "skipped";  // "passed", "failed" or "skipped"
  std::string detail;             // one line: why failed or skipped, or what passed
  nlohmann::json data = nlohmann::json::object();  // the numbers behind it
  bool failed() const { return state == "failed"; }
};

// The newest cursor of each collection's violation log ("" : empty), taken
// before the load so that the check counts only this run's entries. On a
// query failure, *error says why (the violations check then fails with it).
std::vector<std::string> mark_violation_logs(const SimulateOptions& options, const client::Url& url,
                                             const Fleet& fleet, std::string* error);

// With `ride_outages` (--ride-outages), heartbeats without an answer or
// answered 5xx are counted but fail neither check (the engine was away).
CheckResult check_answers(const LoadLoop& loop, bool ride_outages = false);
CheckResult check_malformed(const LoadLoop& loop, bool ride_outages = false);
// Skipped with --ride-outages: a local collection's reports on their way
// when the engine was killed are not durable (engine.h), and the ledger
// (ledger.h, scripts/crash-cycles.sh) is that run's check.
CheckResult check_violations(const SimulateOptions& options, const client::Url& url,
                             const Fleet& fleet, const std::vector<std::string>& marks,
                             const std::string& mark_error, const LoadLoop& loop);

}  // namespace spime::devices
