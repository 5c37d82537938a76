#include "devices/simulate_options.h"

#include "channels/client/credentials.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

namespace spime::devices {

namespace {

bool fraction_ok(double f) {
  return std::isfinite(f) && f >= 0 && f <= 1;
}

const char kSimulateHelp[] =
    "simulate a fleet of ESProto sensors against a local engine and check what it logged";

const char kSimulateFooter[] =
    "Makes (or reuses, by name) sim-device-0001... from --prototype and sim-collection-01...\n"
    "from the prototype `collection`, children of the owner pico; posts wovyn:heartbeat\n"
    "events on each device's transducer channel for --duration seconds; then checks that\n"
    "every malformed heartbeat was refused, that the answers carry the directives the\n"
    "readings call for, that the collections logged exactly the violations caused, and\n"
    "(with --clock-advance, or a run longer than the silence window) that silent devices\n"
    "were reported silent and came back. With --protocol mqtt the heartbeats are published\n"
    "to spime/<eci>/wovyn/heartbeat on the broker at --mqtt (QoS 1, MQTT 5, a reply topic\n"
    "per connection) and each waits for the bridge's reply. Exit codes: 0 ok and every\n"
    "check passed; 1 a check failed or the engine refused the set-up; 2 bad usage; 3 no\n"
    "engine at --url (or no broker at --mqtt).";

}  // namespace

bool parse_rate(const std::string& text, double* rate) {
  std::string number = text;
  if (number.size() > 2 && number.compare(number.size() - 2, 2, "/s") == 0)
    number.resize(number.size() - 2);
  if (number.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(v) || v <= 0) return false;
  *rate = v;
  return true;
}

std::string check_options(SimulateOptions* o, client::Url* url, MqttUrl* broker) {
  if (o->url.empty()) {
    const char* env = std::getenv("SPIME_URL");
    o->url = env && *env ? env : kDefaultUrl;
  }
  std::string error;
  if (!client::parse_url(o->url, url, &error)) return error;
  if (!client::is_loopback_host(url->host))
    return "--url: a load tool talks to a loopback engine only (got host '" + url->host + "')";
  client::Options credentials;
  if (!client::apply_credentials(o->cafile, o->token_file, &credentials, &error)) return error;
  o->token = credentials.bearer_token;
  if (o->count < 1 || o->count > kMaxDevices)
    return "--count must be 1.." + std::to_string(kMaxDevices);
  if (o->prototype != "esproto-temp" && o->prototype != "esproto-msa")
    return "--prototype must be esproto-temp or esproto-msa (got '" + o->prototype + "')";
  if (o->collections < 0 || o->collections > kMaxCollections || o->collections > o->count)
    return "--collections must be 0.." + std::to_string(kMaxCollections) + " and at most --count";
  if (o->rate != 0 && o->interval != 0) return "--rate and --interval exclude each other";
  if (!std::isfinite(o->rate) || o->rate < 0 || o->rate > kMaxRate)
    return "--rate must be a positive number of heartbeats per second (at most 1e6)";
  if (!std::isfinite(o->interval) || o->interval < 0 || o->interval > kMaxIntervalSeconds)
    return "--interval must be a positive number of seconds (at most 3600)";
  if (!std::isfinite(o->duration) || o->duration <= 0 || o->duration > kMaxDurationSeconds)
    return "--duration must be more than 0 and at most 86400 seconds";
  if (!fraction_ok(o->hot_fraction)) return "--hot-fraction must be in [0, 1]";
  if (!fraction_ok(o->low_battery_fraction)) return "--low-battery-fraction must be in [0, 1]";
  if (!fraction_ok(o->bad_fraction)) return "--bad-fraction must be in [0, 1]";
  if (!fraction_ok(o->silent_fraction)) return "--silent-fraction must be in [0, 1]";
  if (o->connections < 1 || o->connections > kMaxConnections)
    return "--connections must be 1.." + std::to_string(kMaxConnections);
  if (o->server_pid < 0) return "--server-pid must be a process id";
  if (!std::isfinite(o->settle_seconds) || o->settle_seconds <= 0 ||
      o->settle_seconds > kMaxSettleSeconds)
    return "--settle must be more than 0 and at most 600 seconds";
  if (!std::isfinite(o->request_timeout_seconds) || o->request_timeout_seconds < 1 ||
      o->request_timeout_seconds > kMaxRequestTimeoutSeconds)
    return "--request-timeout must be at least 1 and at most 3600 seconds";
  if (o->setup_only && o->clock_advance) return "--setup-only runs no load: no --clock-advance";
  if (!o->fleet_file.empty() && !o->ecis_out.empty() && o->fleet_file == o->ecis_out)
    return "--fleet-file and --ecis-out must be different files";
  if (o->protocol != "http" && o->protocol != "mqtt")
    return "--protocol must be http or mqtt (got '" + o->protocol + "')";
  if (o->protocol == "http" && !o->mqtt_url.empty()) return "--mqtt is for --protocol mqtt";
  if (o->protocol != "http" && (o->ride_outages || !o->ledger.empty()))
    return "--ledger and --ride-outages are for --protocol http";
  if (o->setup_only && (o->ride_outages || !o->ledger.empty()))
    return "--setup-only runs no load: no --ledger, no --ride-outages";
  if (o->ride_outages && o->clock_advance)
    return "--ride-outages: no --clock-advance (a restarted engine's manual clock starts again)";
  if (o->protocol == "mqtt") {
    if (o->mqtt_url.empty()) return "--protocol mqtt needs --mqtt mqtt://HOST[:PORT] (the broker)";
    MqttUrl parsed;
    if (!parse_mqtt_url(o->mqtt_url, &parsed, &error)) return error;
    if (!client::is_loopback_host(parsed.host))
      return "--mqtt: a load tool talks to a loopback broker only (got host '" + parsed.host + "')";
    if (broker) *broker = parsed;
  }
  return "";
}

void add_simulate_options(CLI::App* cmd, SimulateOptions* o) {
  cmd->footer(kSimulateFooter);
  cmd->add_option("--url", o->url,
                  "the engine, http[s]://HOST[:PORT] on loopback (default: $SPIME_URL, else "
                  "http://127.0.0.1:3000)")
      ->type_name("URL");
  cmd->add_option("--cafile", o->cafile, "https: verify the engine with these CAs (PEM)")
      ->type_name("FILE");
  cmd->add_option("--token-file", o->token_file,
                  "the owner's token (first line); default: $SPIME_TOKEN")
      ->type_name("FILE");
  cmd->add_option("--owner", o->owner,
                  "the ECI of the pico the fleet is made under (default: the root pico's "
                  "owner channel, found from GET /api/ui-context)")
      ->type_name("ECI");
  cmd->add_option("--count", o->count, "device picos (sim-device-0001...), at most 1000000")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--prototype", o->prototype, "the devices' prototype")
      ->type_name("esproto-temp|esproto-msa")
      ->capture_default_str();
  cmd->add_option("--collections", o->collections,
                  "collection picos (sim-collection-01...); device i joins i mod K; 0: none")
      ->type_name("K")
      ->capture_default_str();
  CLI::Option* rate =
      cmd->add_option_function<std::string>(
             "--rate",
             [o](const std::string& text) {
               if (!parse_rate(text, &o->rate))
                 throw CLI::ValidationError("--rate", "expected heartbeats per second: R or R/s");
             },
             "heartbeats per second in all, paced (default: as fast as the engine answers)")
          ->type_name("R/s");
  CLI::Option* interval =
      cmd->add_option("--interval", o->interval, "seconds between two heartbeats of one device")
          ->type_name("S");
  rate->excludes(interval);
  cmd->add_option("--duration", o->duration, "seconds of load")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--hot-fraction", o->hot_fraction,
                  "share of devices reading above the prototype's upper temperature limit")
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--low-battery-fraction", o->low_battery_fraction,
                  "share of devices whose healthPercent is under the router's low_battery_percent")
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--bad-fraction", o->bad_fraction,
                  "share of heartbeats replaced by a malformed payload (each must be refused 4xx)")
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--silent-fraction", o->silent_fraction,
                  "share of devices that stop after their first heartbeat")
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--connections", o->connections, "keep-alive connections, set-up and load")
      ->type_name("C")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print the summary as one JSON object");
  cmd->add_option("--seed", o->seed, "random seed: the same seed, the same fleet and readings")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_flag("--clock-advance", o->clock_advance,
                "move the engine's clock (it runs with --manual-clock) past the silence window "
                "(POST /api/clock) so silent devices can be checked");
  cmd->add_flag("--setup-only", o->setup_only,
                "make (or find) the fleet and stop: no load, no check");
  cmd->add_option("--ecis-out", o->ecis_out,
                  "write the devices' transducer ECIs to FILE, one per line")
      ->type_name("FILE");
  cmd->add_option("--fleet-file", o->fleet_file,
                  "keep the devices' ECIs in FILE: read at the start (the devices in it are not "
                  "looked for; a sample is checked), written when the set-up learned more")
      ->type_name("FILE");
  cmd->add_flag("--shuffle", o->shuffle,
                "each connection takes its devices in an order shuffled by --seed (a short "
                "load then reaches devices all over a large fleet)");
  cmd->add_option("--spimes-url", o->spimes_url,
                  "where the owner installs the spimes ruleset from when it lacks it "
                  "(default: spimes.krl beside the prototype's rulesets)")
      ->type_name("URL");
  cmd->add_option("--server-pid", o->server_pid,
                  "the engine's process id: report its RSS and CPU time per heartbeat")
      ->type_name("PID");
  cmd->add_option("--settle", o->settle_seconds,
                  "seconds the set-up and the check wait for what picos do after answering "
                  "(memberships, reports on their way, statuses)")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o->request_timeout_seconds,
                  "seconds each set-up and check request may take (listing many picos is slow)")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_flag("!--no-progress", o->progress, "no live progress line on stderr");
  cmd->add_option("--protocol", o->protocol,
                  "how heartbeats travel: http (POST to --url) or mqtt (published to the broker "
                  "at --mqtt, QoS 1, each waiting for its reply); set-up and checks use --url")
      ->type_name("http|mqtt")
      ->capture_default_str();
  cmd->add_option("--mqtt", o->mqtt_url,
                  "the MQTT broker spime serve --mqtt listens to, mqtt://HOST[:PORT] on loopback "
                  "(with --protocol mqtt)")
      ->type_name("URL");
  cmd->add_option("--ledger", o->ledger,
                  "append a JSON line per good heartbeat to FILE: device, eid, timestamp, "
                  "acknowledged or not, readings and violations it should make (crash tests)")
      ->type_name("FILE");
  cmd->add_flag("--ride-outages", o->ride_outages,
                "survive the engine going away and coming back: a heartbeat without an answer "
                "is not acknowledged, its device backs off (at most 2 s) and goes on; the "
                "collections' check is skipped, failures do not fail the answers check");
}

namespace {

// `devices simulate` with its options; the caller sets its callback.
CLI::App* add_simulate_command(CLI::App& app, SimulateOptions* options) {
  CLI::App* devices = app.add_subcommand("devices", "simulated device fleets (load and checks)");
  devices->require_subcommand(1);
  CLI::App* simulate = devices->add_subcommand("simulate", kSimulateHelp);
  add_simulate_options(simulate, options);
  return simulate;
}

}  // namespace

void add_devices_commands(CLI::App& app, std::function<int()>* run) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* simulate = add_simulate_command(app, options.get());
  simulate->callback([options, run] { *run = [options] { return run_simulate(*options); }; });
}

void add_devices_commands(CLI::App& app) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* simulate = add_simulate_command(app, options.get());
  simulate->callback([options] {
    const int code = run_simulate(*options);
    std::fflush(stdout);
    std::fflush(stderr);
    std::exit(code);
  });
}

}  // namespace spime::devices
