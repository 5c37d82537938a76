// `spime serve`: the engine (picos over RocksDB) behind the HTTP sky API.
//
// Every numeric option, with its bounds, default and help, is one row of
// kNumbers (as Redis keeps its configuration in one table); flags and paths
// follow it. --manual-clock is for tests: the engine's clock stands still at
// START_MS (ms since the epoch; 0: now) until POST /api/clock moves it.
//
// Prints the owner's ECI and a ready-to-use event URL, then serves until
// SIGINT or SIGTERM: the listener closes, in-flight requests get their
// answers, queued schedules drain and commit, RocksDB closes.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "channels/client/http_client.h"
#include "channels/http_server.h"
#include "channels/mqtt/mqtt_bridge.h"
#include "channels/mqtt/mqtt_url.h"
#include "channels/slot_gate.h"
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/install_paths.h"
#include "cli/open_files.h"
#include "cli/serve_cluster.h"
#include "cli/serve_log.h"
#include "cli/serve_security.h"
#include "engine/base/thread_annotations.h"
#include "engine/logging/log.h"
#include "engine/runtime/cluster/legacy_adopter.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/reopening_engine.h"

namespace spime::cli {
namespace {

struct ServeOptions {
  runtime::EngineOptions engine;
  channels::HttpServerOptions http;
  std::vector<std::string> ruleset_roots;
  logging::Format log_format = logging::Format::kText;
  logging::Level log_level = logging::Level::kInfo;
  mqtt::MqttBridgeOptions mqtt;  // url empty: no bridge
  SecurityOptions security;      // serve_security.h
  ClusterFlags cluster;          // serve_cluster.h
  std::string public_url;        // --public-url; "": the URL the server listens on
};

struct NumberOption {
  const char* name;
  const char* value_name;
  long lo, hi;
  const char* help;
  void (*apply)(ServeOptions* o, long value);
  // The default shown in the help, read from the defaults; null: none.
  long (*current)(const ServeOptions& o);
};

const NumberOption kNumbers[] = {
    {"--port", "N", 0, 65535, "TCP port to listen on (0: any free one)",
     [](ServeOptions* o, long n) { o->http.port = static_cast<unsigned short>(n); },
     [](const ServeOptions& o) -> long { return o.http.port; }},
    {"--threads", "N", 1, 64,
     "HTTP threads and CAF scheduler threads (default: 2 HTTP, one scheduler per core)",
     [](ServeOptions* o, long n) {
       o->http.threads = static_cast<int>(n);
       o->engine.threads = static_cast<int>(n);
     },
     nullptr},
    {"--max-connections", "N", 1, 1000000,
     "open HTTP connections held at once (more are closed as they come; needs as many open "
     "files, ulimit -n)",
     [](ServeOptions* o, long n) { o->http.max_connections = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.http.max_connections); }},
    {"--pico-queue-limit", "N", 1, 1 << 20, "waiting messages a pico admits (then 503)",
     [](ServeOptions* o, long n) { o->engine.pico_queue_limit = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.pico_queue_limit); }},
    {"--max-active-picos", "N", 1, 100000000, "picos kept loaded (least recently used evicted)",
     [](ServeOptions* o, long n) { o->engine.max_active_picos = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.max_active_picos); }},
    {"--block-cache-mb", "N", 1, 1000000, "the store's read cache, MiB",
     [](ServeOptions* o, long n) { o->engine.block_cache_bytes = static_cast<size_t>(n) << 20; },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.block_cache_bytes >> 20);
     }},
    {"--outbox-capacity", "N", 1, 100000000, "events that may wait for other engines",
     [](ServeOptions* o, long n) { o->engine.outbox_capacity = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.outbox_capacity); }},
    {"--outbox-max-retry-ms", "MS", 1, 3600000, "the outbox's longest back-off",
     [](ServeOptions* o, long n) { o->engine.outbox_max_retry = std::chrono::milliseconds(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.outbox_max_retry.count());
     }},
    {"--io-threads", "N", 1, 256, "threads of the picos that call out over HTTP",
     [](ServeOptions* o, long n) { o->engine.io_threads = static_cast<int>(n); },
     [](const ServeOptions& o) -> long { return o.engine.io_threads; }},
    {"--http-timeout-ms", "MS", 1, 600000, "time limit of one KRL http call",
     [](ServeOptions* o, long n) { o->engine.http_timeout = std::chrono::milliseconds(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.http_timeout.count());
     }},
    {"--http-max-response-bytes", "N", 1, 1 << 30, "largest answer of one KRL http call",
     [](ServeOptions* o, long n) { o->engine.http_max_response_bytes = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.http_max_response_bytes);
     }},
    {"--max-watchers", "N", 0, 1000000, "live event streams open at once (then 503)",
     [](ServeOptions* o, long n) { o->engine.max_watchers = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.max_watchers); }},
    {"--watcher-buffer", "N", 1, 1000000, "events a stream holds for a slow client (then dropped)",
     [](ServeOptions* o, long n) { o->engine.watcher_buffer = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.watcher_buffer); }},
    {"--stream-keepalive-ms", "MS", 10, 3600000, "between keep-alive comments on a quiet stream",
     [](ServeOptions* o, long n) { o->http.stream_keepalive = std::chrono::milliseconds(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.http.stream_keepalive.count());
     }},
    {"--event-budget-ms", "MS", 0, 3600000,
     "wall-clock time one event schedule may run before it stops with an error and is "
     "rolled back (0: no budget)",
     [](ServeOptions* o, long n) { o->engine.event_budget = std::chrono::milliseconds(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.event_budget.count());
     }},
    {"--query-budget-ms", "MS", 0, 3600000,
     "wall-clock time one query may run before it stops with an error (0: no budget)",
     [](ServeOptions* o, long n) { o->engine.query_budget = std::chrono::milliseconds(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.query_budget.count());
     }},
    {"--max-scheduled-events", "N", 1, 100000000,
     "events one ruleset may have scheduled on one pico (one more fails the rule)",
     [](ServeOptions* o, long n) { o->engine.max_scheduled_events = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.max_scheduled_events);
     }},
    {"--channel-rate", "N", 0, 1000000,
     "events a second an outside sender may send through one channel that sets no rate "
     "limit of its own (then 429 with Retry-After; 0: no limit)",
     [](ServeOptions* o, long n) { o->engine.channel_rate = static_cast<double>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.channel_rate); }},
    {"--channel-burst", "N", 0, 1000000,
     "events a channel under --channel-rate may send at once (0: one second's worth)",
     [](ServeOptions* o, long n) { o->engine.channel_burst = static_cast<double>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.channel_burst); }},
    {"--min-free-mb", "MIB", 0, 1 << 20,
     "free space the store keeps on its disk; writes past it get 507 (0: none)",
     [](ServeOptions* o, long n) {
       o->engine.min_free_bytes = static_cast<std::uint64_t>(n) << 20;
     },
     [](const ServeOptions& o) -> long {
       return static_cast<long>(o.engine.min_free_bytes >> 20);
     }},
    {"--pico-log-max-count", "N", 1, 1000000, "episodes each pico's log keeps",
     [](ServeOptions* o, long n) { o->engine.pico_log_max_count = static_cast<size_t>(n); },
     [](const ServeOptions& o) -> long { return static_cast<long>(o.engine.pico_log_max_count); }},
    {"--mqtt-receive-maximum", "N", 1, 32,
     "QoS 1 messages the broker may send before their PUBACK (raise it only with a broker "
     "that honours it: not Mosquitto 2.0.11/2.0.12, README \"MQTT devices\")",
     [](ServeOptions* o, long n) { o->mqtt.receive_maximum = static_cast<int>(n); },
     [](const ServeOptions& o) -> long { return o.mqtt.receive_maximum; }},
    {"--mqtt-sessions", "N", 1, 32,
     "MQTT sessions the bridge runs on one shared subscription, each with its own window "
     "(sessions x receive maximum <= 32)",
     [](ServeOptions* o, long n) { o->mqtt.sessions = static_cast<int>(n); },
     [](const ServeOptions& o) -> long { return o.mqtt.sessions; }},
    {"--manual-clock", "START_MS", 0, 8640000000000000L,
     "tests only: the clock stands still at START_MS (ms since the epoch; 0: now) until "
     "POST /api/clock moves it",
     [](ServeOptions* o, long n) {
       const std::int64_t start = n > 0 ? n : runtime::wall_clock()->now_ms();
       o->engine.clock = std::make_shared<runtime::ManualClock>(start);
     },
     nullptr},
};

// Decimal only (CLI11's own conversion would read 010 as octal).
bool parse_number(const std::string& s, long lo, long hi, long* out) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

void add_number(CLI::App* cmd, const NumberOption& row, const std::shared_ptr<ServeOptions>& o) {
  const std::string bounds = std::to_string(row.lo) + ".." + std::to_string(row.hi);
  CLI::Option* opt = cmd->add_option_function<std::string>(
      row.name,
      [o, &row](const std::string& text) {
        long n = 0;
        if (parse_number(text, row.lo, row.hi, &n)) row.apply(o.get(), n);
      },
      row.help);
  opt->type_name(row.value_name);
  opt->check(CLI::Validator(
      [&row, bounds](std::string& text) {
        long n = 0;
        return parse_number(text, row.lo, row.hi, &n)
                   ? std::string()
                   : std::string("must be a whole number in ") + bounds;
      },
      "", "bounds"));
  if (row.current) opt->default_str(std::to_string(row.current(*o)));
}

// Descriptors the engine keeps besides its connections (RocksDB's files,
// the listener, CAF and the outbound pools), for the warning in serve().
constexpr long kFilesBesideConnections = 512;

// The engine's and the server's lines, at info (engine/logging/log.h).
void log_line(const std::string& line) {
  logging::info(line);
}

int serve(ServeOptions& o) {
  if (!o.ruleset_roots.empty()) {
    // Confines file:// ruleset urls to --rulesets and the roots named so.
    o.engine.ruleset_roots = o.ruleset_roots;
    o.engine.confine_ruleset_files = true;
  }
  // Beyond loopback, file:// urls are confined whatever the flags say.
  if (!client::is_loopback_host(o.http.host)) o.engine.confine_ruleset_files = true;
  logging::configure(o.log_format, o.log_level);
  o.engine.log = log_line;
  o.http.log = [](const std::string& line) { logging::info(shorten_request_ecis(line)); };
  if (std::string why = prepare_security(o.security, &o.http); !why.empty()) {
    logging::error("spime serve: " + why);
    return kExitUsage;
  }

  // Block the stop signals in every thread (threads inherit the mask); the
  // main thread then waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Each connection is a file descriptor; so are the store's files.
  const long files = raise_open_files_limit();
  if (files >= 0 && static_cast<long>(o.http.max_connections) + kFilesBesideConnections > files) {
    logging::warn("spime serve: warning: --max-connections " +
                  std::to_string(o.http.max_connections) + " but this process may open only " +
                  std::to_string(files) +
                  " files (ulimit -n): past that, new connections wait in the accept queue");
  }

  std::string error;
  std::unique_ptr<runtime::Engine> first = runtime::Engine::open(o.engine, &error);
  if (!first) {
    logging::error("spime serve: " + error);
    return kExitRefused;
  }
  // The same for every engine over this directory (reopened ones included).
  const std::string engine_id = first->engine_id();
  const std::string owner_eci = first->owner_eci();
  const std::string ui_eci = first->ui_eci();
  // What serve sets on the first engine and on every reopened one
  // (reopening_engine.h), as soon as it is known.
  struct Wiring {
    Mutex mu;
    std::string base SPIME_GUARDED_BY(mu);
    mqtt::MqttBridge* bridge SPIME_GUARDED_BY(mu) = nullptr;
    const cluster::Membership* membership SPIME_GUARDED_BY(mu) = nullptr;
    void apply(runtime::Engine& e) {
      MutexLock lock(mu);
      if (!base.empty()) e.set_host_url(base);
      e.set_cluster(membership);
      if (!bridge) return;
      e.set_mqtt_publisher([b = bridge](const std::string& topic, const std::string& payload,
                                        bool retain) { b->publish(topic, payload, retain); });
    }
  };
  auto wiring = std::make_shared<Wiring>();
  runtime::ReopeningEngine::Options reopen;
  reopen.on_open = [wiring](runtime::Engine& e) { wiring->apply(e); };
  reopen.log = [](const std::string& line) { logging::error("spime serve: " + line); };
  protect_owner(*first, &o.http);
  runtime::ReopeningEngine served(std::move(first), o.engine, std::move(reopen));
  auto rewire = [&] {
    if (auto e = served.current()) wiring->apply(*e);
  };
  channels::HttpServer server(served, o.http);
  std::optional<unsigned short> port = server.start(&error);
  if (!port) {
    logging::error("spime serve: " + error);
    return kExitRefused;
  }
  const std::string base = after_listen(o.security, o.http, *port);
  {
    MutexLock lock(wiring->mu);
    // meta:host: what picos give out as their engine's address.
    wiring->base = o.public_url.empty() ? base : o.public_url;
  }
  rewire();
  std::unique_ptr<cluster::Membership> membership;
  if (std::string why = join_cluster(o.cluster, engine_id, base, &membership); !why.empty()) {
    logging::error("spime serve: " + why);
    server.stop();
    served.stop();
    return kExitRefused;
  }
  // Declared after membership: destroyed before the table it reads, after
  // server.stop() (below, and on every early return).
  std::unique_ptr<channels::SlotGate> slot_gate;
  // Legacy picos take slots of this node when it serves some (stopped
  // before the membership it reads).
  std::unique_ptr<runtime::LegacyAdopter> adopter;
  if (membership) {
    {
      MutexLock lock(wiring->mu);
      wiring->membership = membership.get();
    }
    rewire();
    slot_gate =
        std::make_unique<channels::SlotGate>(membership->table(), channels::SlotGate::Options{});
    server.set_slot_gate(slot_gate.get());
    log_line("spime serve: node " + membership->options().node + " of cluster " +
             membership->options().cluster + ", serving " +
             std::to_string(membership->table().count_owned_by(membership->options().node)) +
             " slots");
    adopter = std::make_unique<runtime::LegacyAdopter>(
        [&served] { return served.current(); }, *membership,
        [](const std::string& line) { log_line("spime serve: " + line); });
  }
  std::unique_ptr<mqtt::MqttBridge> bridge;
  if (!o.mqtt.url.empty()) {
    if (o.mqtt.client_id.empty()) o.mqtt.client_id = "spime-" + engine_id;
    o.mqtt.state_dir = o.engine.data_dir;
    bridge = std::make_unique<mqtt::MqttBridge>(served, o.mqtt);
    if (!bridge->start(&error)) {
      logging::error("spime serve: --mqtt: " + error);
      adopter.reset();
      server.stop();
      served.stop();
      return kExitRefused;
    }
    {
      MutexLock lock(wiring->mu);
      wiring->bridge = bridge.get();
    }
    rewire();
  }
  std::printf("spime %s listening on %s\n", runtime::Engine::version(), base.c_str());
  std::printf("owner ECI: %s\n", owner_eci.c_str());
  if (!ui_eci.empty()) std::printf("UI ECI: %s\n", ui_eci.c_str());
  std::printf("try: curl %s/sky/cloud/%s/io.picolabs.wrangler/installedRIDs\n", base.c_str(),
              owner_eci.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log_line(std::string("spime serve: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
           ", shutting down");
  if (bridge) {
    {
      MutexLock lock(wiring->mu);
      wiring->bridge = nullptr;
    }
    if (auto e = served.current()) e->set_mqtt_publisher(nullptr);
    bridge->stop();  // its last PUBACKs go while the engine still answers
  }
  if (membership) {
    // Leave first (the lease goes, so routers stop sending), then drain.
    {
      MutexLock lock(wiring->mu);
      wiring->membership = nullptr;
    }
    rewire();
    adopter.reset();
    membership->stop();
  }
  // The stop clock starts now: a long computation cannot hold the server's
  // wait for the answers in flight (Engine::kStopGrace).
  served.request_stop();
  server.stop();
  served.stop();
  log_line("spime serve: stopped");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Outcome* out) {
  auto o = std::make_shared<ServeOptions>();
  o->http.port = 3000;
  o->engine.data_dir = "data";
  o->engine.rulesets_dir = default_rulesets_dir();  // cli/install_paths.h
  o->engine.prototypes_dir = default_prototypes_dir();
  CLI::App* cmd = app.add_subcommand("serve", "run the engine behind the sky HTTP API");
  cmd->add_option("--host", o->http.host, "address to listen on")
      ->default_str(o->http.host)
      ->type_name("HOST");
  for (const NumberOption& row : kNumbers) add_number(cmd, row, o);
  add_security_options(cmd, &o->security);
  add_cluster_options(cmd, &o->cluster);
  cmd->add_option("--public-url", o->public_url,
                  "the engine's address as picos give it out (meta:host, subscriptions, "
                  "transducer urls): a router or proxy in front; default: the listen URL")
      ->type_name("URL")
      ->check(http_url_check());
  cmd->add_option("--data", o->engine.data_dir, "the RocksDB data directory")
      ->default_str("data")
      ->type_name("DIR");
  cmd->add_option("--rocksdb-options", o->engine.rocksdb_options,
                  "RocksDB options over spime's defaults, \"name=value;...\" (for tuning)")
      ->type_name("OPTIONS");
  cmd->add_option("--rulesets", o->engine.rulesets_dir, "rulesets registered at start")
      ->default_str(o->engine.rulesets_dir)
      ->type_name("DIR");
  cmd->add_option("--prototypes", o->engine.prototypes_dir,
                  "prototypes (*.yaml) loaded at start; a bad file is reported and skipped")
      ->default_str(o->engine.prototypes_dir)
      ->type_name("DIR");
  cmd->add_option("--ruleset-root", o->ruleset_roots,
                  "confine file:// ruleset urls to --rulesets and these roots (repeatable)")
      ->type_name("DIR");
  // Flags that run a function take no value: CLI11 (2.1) would read
  // `--no-sync=abc` with std::stoll and throw past its own errors.
  auto flag = [cmd](const char* name, std::function<void()> set, const char* help) {
    cmd->add_flag(
           name, [set = std::move(set)](std::int64_t) { set(); }, help)
        ->disable_flag_override();
  };
  flag(
      "--confine-rulesets", [o] { o->engine.confine_ruleset_files = true; },
      "confine file:// ruleset urls to --rulesets (always on beyond loopback)");
  flag(
      "--no-sync", [o] { o->engine.sync_commits = false; },
      "do not fsync commits (experiments only)");
  flag(
      "--no-verify-store", [o] { o->engine.verify_store = false; },
      "skip reading the whole store against its checksums at start (a faster start of a large "
      "one; corruption is then found when read)");
  cmd->add_flag("--log-requests", o->http.log_requests, "log one line per HTTP request");
  cmd->add_option("--mqtt", o->mqtt.url,
                  "bridge an MQTT broker: take events published to spime/<eci>/<domain>/<type>")
      ->type_name("mqtt://HOST:PORT|mqtts://HOST:PORT")
      ->check(CLI::Validator(
          [](std::string& url) {
            mqtt::BrokerAddress address;
            std::string error;
            return mqtt::parse_broker_url(url, &address, &error) ? std::string() : error;
          },
          "", "broker url"));
  cmd->add_option("--mqtt-cafile", o->mqtt.cafile, "mqtts: the broker's CA certificates (PEM)")
      ->type_name("FILE");
  cmd->add_option("--mqtt-client-id", o->mqtt.client_id,
                  "the bridge's MQTT client id, which names its persistent session "
                  "(default: spime-<engine id>, stable across restarts)")
      ->type_name("ID");
  cmd->add_option_function<std::string>(
         "--log-format", [o](const std::string& v) { logging::parse_format(v, &o->log_format); },
         "log lines as text or as one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text")
      ->type_name("text|json");
  cmd->add_option_function<std::string>(
         "--log-level", [o](const std::string& v) { logging::parse_level(v, &o->log_level); },
         "the lowest level logged")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->default_str("info")
      ->type_name("LEVEL");
  flag(
      "--no-metrics", [o] { o->engine.metrics = false; },
      "keep no metrics (GET /metrics answers 503): for measuring their cost");
  cmd->add_option_function<std::string>(
         "--pico-logs", [o](const std::string& v) { o->engine.pico_logs = v == "on"; },
         "keep each pico's episode log (the UI's Logging tab, live streams)")
      ->check(CLI::IsMember({"on", "off"}))
      ->default_str("on")
      ->type_name("on|off");
  flag(
      "--caf-default-polling", [o] { o->engine.quick_idle_workers = false; },
      "CAF's own idle polling, for comparisons (BENCHMARKS.md)");
  flag(
      "--strict-subscription-policies", [o] { o->engine.strict_subscription_policies = true; },
      "strict policies on new subscription channels by default");
  cmd->callback([o, out] {
    // The bridge's window in all (mqtt_bridge.h): a usage error, before anything opens.
    if (!o->mqtt.url.empty() &&
        o->mqtt.sessions * o->mqtt.receive_maximum > mqtt::MqttBridge::kMaxReceiveMaximum) {
      throw CLI::ValidationError(
          "--mqtt-sessions x --mqtt-receive-maximum",
          "must be at most " + std::to_string(mqtt::MqttBridge::kMaxReceiveMaximum));
    }
    out->run = [o] { return serve(*o); };
  });
}

}  // namespace spime::cli
