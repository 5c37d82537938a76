// The silence check: a device is silent once it has missed
// `missed_heartbeats` heartbeats of `heartbeat_interval_seconds` (the
// prototype's config), and its collection says so
// (spimes_collection/status: [{name, id, last_heard, battery, silent}]).
//
// After the load, with --clock-advance (the engine runs with
// --manual-clock), the engine's clock moves past the silence window
// (POST /api/clock?advance=MS&eci=<owner>); without it, the check runs only
// when the load itself lasted longer than the window. Then:
//   1. every device that is not silent posts one heartbeat;
//   2. each collection's status must show the silent devices (those heard
//      during the load) silent and the others not;
//   3. the silent devices post a last heartbeat;
//   4. the status must show them back (not silent).
// Statuses are polled until they agree, up to --settle seconds each time.
#pragma once

#include <chrono>

#include "channels/client/http_client.h"
#include "devices/end_check.h"
#include "devices/fleet_setup.h"
#include "devices/load_loop.h"

namespace spime::devices {

// Runs the rounds of heartbeats above on `loop` (they count in its tallies).
CheckResult check_silence(const SimulateOptions& options, const client::Url& url,
                          const Fleet& fleet, LoadLoop* loop, double load_seconds);

}  // namespace spime::devices
