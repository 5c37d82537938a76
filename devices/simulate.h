// `spime devices simulate`: a fleet of simulated ESProto sensors against a
// local engine, and a check that the engine saw what the fleet did.
//
// One run, every step bounded in time (devices/README.md has the details):
//   1. set-up (fleet_setup.h): N device picos `sim-device-0001`... made from
//      the prototype (esproto-temp or esproto-msa) and K collection picos
//      `sim-collection-01`... made from `collection`, children of the owner
//      pico, reused by name when they exist; device i joins collection
//      i mod K (spimes:add_to_collection, the `spimes` ruleset on the owner);
//   2. load (load_loop.h): heartbeats in the ESProto format on the devices'
//      transducer channels over C keep-alive connections (or, with
//      --protocol mqtt, published through a broker to the engine's MQTT
//      bridge over C broker connections: mqtt_link.h), paced by --rate or
//      --interval or as fast as the engine answers, for --duration seconds,
//      with the chosen shares of hot, low-battery, malformed and silent;
//   3. the end check (end_check.h): every malformed heartbeat refused, every
//      good one answered with the directives its readings call for, the
//      collections' violation logs holding exactly what the load caused, and
//      the silent devices reported silent, then back after a last heartbeat;
//   4. the summary (summary.h), as text or JSON, on stdout.
//
// Thread-safety: run_simulate may be called from any thread; it starts and
// joins its own threads. It writes only to stdout, stderr, --ecis-out and
// --fleet-file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace spime::devices {

// What run_simulate returns (the process's exit code, as the spime CLI's).
constexpr int kSimulateOk = 0;           // done, and every check that ran passed
constexpr int kSimulateFailed = 1;       // a check failed, or the engine refused the set-up
constexpr int kSimulateUsage = 2;        // bad options (a non-loopback url among them)
constexpr int kSimulateUnreachable = 3;  // no engine answered at the url

struct SimulateOptions {
  std::string url;    // "" : $SPIME_URL, else http://127.0.0.1:3000; loopback hosts only
  std::string owner;  // the owner pico's ECI; "" : found from GET /api/ui-context
  int count = 10;     // device picos
  std::string prototype = "esproto-temp";  // or "esproto-msa"
  int collections = 1;                     // 0: no collections, no spimes ruleset needed
  double rate = 0;                         // heartbeats per second in all; 0: not paced by rate
  double interval = 0;        // seconds between two heartbeats of a device; 0: not paced by it
  double duration = 10;       // seconds of load
  double hot_fraction = 0.1;  // devices reading above the upper threshold
  double low_battery_fraction = 0.1;  // devices under the router's low_battery_percent
  double bad_fraction = 0.01;         // heartbeats replaced by a malformed payload
  double silent_fraction = 0;         // devices that stop after their first heartbeat
  int connections = 8;                // keep-alive connections (set-up and load)
  bool json = false;                  // the summary as one JSON object
  std::uint64_t seed = 1;             // the same seed, the same fleet and readings
  bool clock_advance = false;         // move the engine's --manual-clock to make silence happen
  bool setup_only = false;            // make the fleet, write --ecis-out, no load and no check
  std::string ecis_out;               // write the transducer ECIs there, one per line
  // Where the set-up keeps what it learned of the devices (fleet_file.h):
  // read first, so the devices in it are not looked for; "" : none.
  std::string fleet_file;
  // Each connection takes its devices in an order shuffled by the seed, not
  // by index: a short load over a large fleet reaches devices all over it.
  bool shuffle = false;
  std::string spimes_url;  // "" : spimes.krl beside the prototype's rulesets
  long server_pid = 0;     // the engine's pid: its RSS and CPU time in the summary
  bool progress = true;    // the live line on stderr (a terminal only)
  // How long the set-up and the end check wait for what picos do after
  // answering (memberships, reports on their way, statuses).
  double settle_seconds = 20;
  // Each set-up and check request's limit (an engine with many picos lists them slowly).
  double request_timeout_seconds = 30;
  // How the heartbeats travel: "http" (POSTed to the engine at `url`) or
  // "mqtt" (published to the broker at `mqtt_url`, mqtt://HOST[:PORT] on
  // loopback, for the engine's MQTT bridge; set-up and checks stay HTTP).
  std::string protocol = "http";
  std::string mqtt_url;
  // https: verify the engine with these CAs (PEM; "": the system's). The
  // owner's token from token_file, else $SPIME_TOKEN (client/credentials.h),
  // read into `token` by check_options and sent as Bearer on every request.
  std::string cafile;
  std::string token_file;
  std::string token;
  // Crash tests (scripts/crash-cycles.sh). ledger: append a line per good
  // heartbeat answered or failed to FILE (ledger.h; each heartbeat then has
  // its own eid and timestamp). ride_outages: an engine that stops answering
  // (refused, reset, timeout, 5xx) is waited for, with a bounded back-off,
  // and the load goes on when it is back; the checks that an outage would
  // fail are relaxed or skipped (the ledger is the check). HTTP only.
  std::string ledger;
  bool ride_outages = false;
};

// Runs one simulation; returns one of the kSimulate* codes. Never throws.
int run_simulate(const SimulateOptions& options);

// Adds `devices simulate` (its options and help) to the spime app. When the
// command line selects it, *run is set to the simulation (returning its exit
// code), for main to run once parsing is done (cli/command.h's Outcome::run).
void add_devices_commands(CLI::App& app, std::function<int()>* run);

// As above, for an app with no runner: the command's callback runs the
// simulation and ends the process with its exit code.
void add_devices_commands(CLI::App& app);

// The options of `devices simulate` alone, on `cmd` (the temporary
// spime-simulate executable uses them on its own app).
void add_simulate_options(CLI::App* cmd, SimulateOptions* options);

}  // namespace spime::devices
