// `spime serve`: the engine (picos over RocksDB) behind the HTTP sky API.
//
//   spime serve [--port 3000] [--host 127.0.0.1] [--data DIR] [--rulesets DIR]
//               [--prototypes DIR] [--ruleset-root DIR]... [--confine-rulesets]
//               [--threads N] [--pico-queue-limit N] [--max-active-picos N]
//               [--no-sync] [--log-requests] [--caf-default-polling]
//               [--outbox-capacity N] [--outbox-max-retry-ms MS]
//               [--io-threads N] [--http-timeout-ms MS] [--http-max-response-bytes N]
//               [--strict-subscription-policies] [--manual-clock START_MS]
//
// --manual-clock is for tests: the engine's clock stands still at START_MS
// (ms since the epoch; 0: now) until POST /api/clock moves it.
//
// Prints the owner's ECI and a ready-to-use event URL, then serves until
// SIGINT or SIGTERM: the listener closes, in-flight requests get their
// answers, queued schedules drain and commit, RocksDB closes.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "channels/http_server.h"
#include "cli/command.h"
#include "engine/runtime/engine.h"

namespace spime::cli {
namespace {

struct ServeOptions {
  runtime::EngineOptions engine;
  channels::HttpServerOptions http;
};

void serve_usage() {
  std::fprintf(stderr,
               "usage: spime serve [--port 3000] [--host 127.0.0.1] [--data DIR] "
               "[--rulesets DIR]\n"
               "                   [--prototypes DIR] [--ruleset-root DIR]... "
               "[--confine-rulesets]\n"
               "                   [--threads N] [--pico-queue-limit N] [--max-active-picos N]\n"
               "                   [--no-sync] [--log-requests] [--caf-default-polling]\n"
               "                   [--outbox-capacity N] [--outbox-max-retry-ms MS]\n"
               "                   [--io-threads N] [--http-timeout-ms MS]\n"
               "                   [--http-max-response-bytes N] "
               "[--strict-subscription-policies]\n"
               "                   [--manual-clock START_MS]\n");
}

bool parse_number(const std::string& s, long lo, long hi, long* out) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// 127.0.0.0/8, ::1 and localhost: the engine is a developer's own.
bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// Returns false (after printing why) on bad usage.
bool parse_serve_args(const Args& args, ServeOptions* o) {
  o->http.port = 3000;
  o->engine.data_dir = "data";
  o->engine.rulesets_dir = SPIME_DEFAULT_RULESETS_DIR;
  o->engine.prototypes_dir = SPIME_DEFAULT_PROTOTYPES_DIR;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool has_value = i + 1 < args.size();
    long n = 0;
    if (a == "--port" && has_value && parse_number(args[i + 1], 0, 65535, &n)) {
      o->http.port = static_cast<unsigned short>(n);
      ++i;
    } else if (a == "--host" && has_value) {
      o->http.host = args[++i];
    } else if (a == "--data" && has_value) {
      o->engine.data_dir = args[++i];
    } else if (a == "--rulesets" && has_value) {
      o->engine.rulesets_dir = args[++i];
    } else if (a == "--prototypes" && has_value) {
      o->engine.prototypes_dir = args[++i];
    } else if (a == "--ruleset-root" && has_value) {
      // Confines file:// ruleset urls to --rulesets and the roots named so.
      o->engine.ruleset_roots.push_back(args[++i]);
      o->engine.confine_ruleset_files = true;
    } else if (a == "--confine-rulesets") {
      o->engine.confine_ruleset_files = true;
    } else if (a == "--threads" && has_value && parse_number(args[i + 1], 1, 64, &n)) {
      o->http.threads = static_cast<int>(n);
      o->engine.threads = static_cast<int>(n);
      ++i;
    } else if (a == "--pico-queue-limit" && has_value &&
               parse_number(args[i + 1], 1, 1 << 20, &n)) {
      o->engine.pico_queue_limit = static_cast<size_t>(n);
      ++i;
    } else if (a == "--max-active-picos" && has_value &&
               parse_number(args[i + 1], 1, 100000000, &n)) {
      o->engine.max_active_picos = static_cast<size_t>(n);
      ++i;
    } else if (a == "--outbox-capacity" && has_value &&
               parse_number(args[i + 1], 1, 100000000, &n)) {
      o->engine.outbox_capacity = static_cast<size_t>(n);
      ++i;
    } else if (a == "--outbox-max-retry-ms" && has_value &&
               parse_number(args[i + 1], 1, 3600000, &n)) {
      o->engine.outbox_max_retry = std::chrono::milliseconds(n);
      ++i;
    } else if (a == "--io-threads" && has_value && parse_number(args[i + 1], 1, 256, &n)) {
      o->engine.io_threads = static_cast<int>(n);
      ++i;
    } else if (a == "--http-timeout-ms" && has_value && parse_number(args[i + 1], 1, 600000, &n)) {
      o->engine.http_timeout = std::chrono::milliseconds(n);
      ++i;
    } else if (a == "--http-max-response-bytes" && has_value &&
               parse_number(args[i + 1], 1, 1 << 30, &n)) {
      o->engine.http_max_response_bytes = static_cast<size_t>(n);
      ++i;
    } else if (a == "--no-sync") {
      o->engine.sync_commits = false;
    } else if (a == "--manual-clock" && has_value &&
               parse_number(args[i + 1], 0, 8640000000000000L, &n)) {
      // Test-only: a clock that stands still until /api/clock moves it.
      const std::int64_t start = n > 0 ? n : runtime::wall_clock()->now_ms();
      o->engine.clock = std::make_shared<runtime::ManualClock>(start);
      ++i;
    } else if (a == "--strict-subscription-policies") {
      o->engine.strict_subscription_policies = true;
    } else if (a == "--log-requests") {
      o->http.log_requests = true;
    } else if (a == "--caf-default-polling") {
      // CAF's own idle polling, for comparisons (BENCHMARKS.md).
      o->engine.quick_idle_workers = false;
    } else {
      std::fprintf(stderr, "spime serve: unexpected argument '%s'\n", a.c_str());
      serve_usage();
      return false;
    }
  }
  // Beyond loopback, file:// urls are confined whatever the flags say.
  if (!is_loopback_host(o->http.host)) o->engine.confine_ruleset_files = true;
  return true;
}

std::mutex log_mu;
void log_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

int serve_command(const Args& args) {
  ServeOptions o;
  if (!parse_serve_args(args, &o)) return kExitUsage;
  o.engine.log = log_line;
  o.http.log = log_line;

  // Block the stop signals in every thread (threads inherit the mask); the
  // main thread then waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string error;
  std::unique_ptr<runtime::Engine> engine = runtime::Engine::open(o.engine, &error);
  if (!engine) {
    std::fprintf(stderr, "spime serve: %s\n", error.c_str());
    return kExitFailed;
  }
  channels::HttpServer server(*engine, o.http);
  std::optional<unsigned short> port = server.start(&error);
  if (!port) {
    std::fprintf(stderr, "spime serve: %s\n", error.c_str());
    return kExitFailed;
  }
  std::string base = "http://" + o.http.host + ":" + std::to_string(*port);
  engine->set_host_url(base);
  std::printf("spime %s listening on %s\n", runtime::Engine::version(), base.c_str());
  std::printf("owner ECI: %s\n", engine->owner_eci().c_str());
  if (!engine->ui_eci().empty()) std::printf("UI ECI: %s\n", engine->ui_eci().c_str());
  std::printf("try: curl %s/sky/cloud/%s/io.picolabs.wrangler/installedRIDs\n", base.c_str(),
              engine->owner_eci().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line(std::string("spime serve: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
           ", shutting down");
  // The stop clock starts now: a long computation cannot hold the server's
  // wait for the answers in flight (Engine::kStopGrace).
  engine->request_stop();
  server.stop();
  engine->shutdown();
  log_line("spime serve: stopped");
  return kExitOk;
}

}  // namespace spime::cli
