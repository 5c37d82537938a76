// `spime devices hold`: many concurrent keep-alive sensor connections to a
// local engine, each posting an ESProto heartbeat every few seconds, driven
// asynchronously on one thread (no thread per connection): how many
// connections the engine holds, at what latency and memory.
//
// With an https --url every connection speaks TLS, verifying the engine's
// certificate (--cafile, else the system's CAs) and its address or name.
//
// One run, every step bounded in time (devices/README.md has the details):
//   1. the devices: their transducer ECIs from --ecis (one per line, as
//      `spime devices simulate --setup-only --ecis-out FILE` writes them),
//      their readings inside the limits of --prototype (read from the engine:
//      GET /api/prototypes/<name>);
//   2. the ramp: --connections keep-alive connections opened --ramp a second
//      (in batches every 100 ms);
//   3. the hold (hold_connections.h): each connection posts a
//      wovyn:heartbeat every --interval seconds from a random phase, to the
//      devices round robin, for --duration seconds after the ramp;
//   4. the summary (hold_summary.h), as text or JSON, on stdout: connections
//      established / failed / closed by the server, heartbeats by status,
//      the rate, p50/p90/p99/max latency and, with --server-pid, the
//      engine's RSS before, with the connections open, and after, and its
//      CPU time per heartbeat.
//
// Thread-safety: run_hold may be called from any thread; it starts and joins
// its own threads. It writes only to stdout and stderr.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace spime::devices {

// What run_hold returns (the process's exit code, as the spime CLI's).
constexpr int kHoldOk = 0;  // every connection held, every heartbeat answered 2xx
// A connection failed or closed, a heartbeat did not pass, or (https) the
// engine's certificate did not verify.
constexpr int kHoldFailed = 1;
constexpr int kHoldUsage = 2;        // bad options (a non-loopback url among them)
constexpr int kHoldUnreachable = 3;  // no engine answered at the url

struct HoldOptions {
  std::string url;  // "" : $SPIME_URL, else http://127.0.0.1:3000; loopback hosts only
  // https: verify the engine with these CAs (PEM; "": the system's). The
  // owner's token from token_file, else $SPIME_TOKEN (client/credentials.h),
  // read into `token` by check_hold_options and sent as Bearer on every
  // request, as `simulate` does.
  std::string cafile;
  std::string token_file;
  std::string token;
  std::string ecis;                        // a file of transducer ECIs, one per line (required)
  std::string prototype = "esproto-temp";  // the devices' prototype: the readings' limits
  int connections = 100;                   // keep-alive connections
  double interval = 5;                     // seconds between two heartbeats of one connection
  double duration = 10;                    // seconds of hold after the ramp
  int ramp = 5000;                         // connections opened per second
  double request_timeout_seconds = 10;     // each connect's and heartbeat's limit
  std::uint64_t seed = 1;                  // the same seed, the same phases and readings
  long server_pid = 0;                     // the engine's pid: its RSS and CPU time
  bool json = false;                       // the summary as one JSON object
  bool progress = true;                    // the live line on stderr (a terminal only)
};

// Runs one hold; returns one of the kHold* codes. Never throws.
int run_hold(const HoldOptions& options);

// Adds `devices hold` (its options and help) under the app's `devices`
// group, made if the app has none yet. When the command line selects it,
// *run is set to the hold (returning its exit code), for main to run once
// parsing is done (cli/command.h's Outcome::run).
void add_hold_command(CLI::App& app, std::function<int()>* run);

}  // namespace spime::devices
