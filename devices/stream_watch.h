// `spime devices watch`: opens N live event streams (GET /c/<eci>/stream)
// on a loopback engine and counts what they receive, for the benchmark of
// heartbeats with 0, 100 and 1,000 watchers (run it beside `spime devices
// hold` or `simulate`; BENCHMARKS.md).
//
// One thread, one io_context, N raw connections: each sends the GET and then
// only reads, counting events (`id:` lines), keep-alive comments, and the
// last event of a dropped watcher. Connections are opened at --ramp per
// second (--stall: they send the request and never read); the run lasts --duration seconds after
// the last one opened (or until SIGINT/SIGTERM), then prints one summary: opened, refused (the
// status of each refusal: 503 beyond --max-watchers), events in all and per
// second, fewest and most per watcher, dropped, ended by the engine.
//
// Bounded: at most kMaxWatchConnections connections, each with a read
// buffer of 16 KiB; loopback only.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace spime::devices {

constexpr int kMaxWatchConnections = 20000;

struct WatchOptions {
  std::string url;           // default: $SPIME_URL, else http://127.0.0.1:3000
  std::string eci;           // the channel to watch (each connection watches it)
  std::string ecis_file;     // or: one ECI per line, connections spread over them
  std::string domain, type;  // the stream's filter ("": any)
  int count = 100;
  double duration = 10;  // seconds, after the ramp
  int ramp = 1000;       // connections opened per second
  bool json = false;     // the summary as one JSON object
  // Never read after the request: stalled watchers, which the engine must drop without
  // slowing anything (their counts stay 0; the summary says how many opened).
  bool stall = false;
};

// Runs the watchers; the exit code (0; 2 for bad options; 1 when no stream opened).
int run_watch(const WatchOptions& options);

// `spime devices watch`, under the `devices` command (made if missing).
void add_watch_command(CLI::App& app, std::function<int()>* run);

}  // namespace spime::devices
