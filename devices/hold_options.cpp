#include "devices/hold_options.h"

#include <sys/resource.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

#include "channels/client/credentials.h"
#include "engine/runtime/outbound/http_client.h"

namespace spime::devices {

namespace {

const char kHoldHelp[] =
    "hold many keep-alive sensor connections to a local engine, each sending heartbeats";

const char kHoldFooter[] =
    "Opens --connections keep-alive connections (--ramp a second), and on each posts a\n"
    "wovyn:heartbeat every --interval seconds, from a random phase, to the devices of --ecis\n"
    "round robin (write the file with `spime devices simulate --setup-only --ecis-out FILE`),\n"
    "for --duration seconds after the ramp; all on one thread. With an https --url every\n"
    "connection speaks TLS, verifying the engine with --cafile (else the system's CAs).\n"
    "Reports the connections established, failed and closed by the server, the heartbeats\n"
    "by status, the rate and p50/p90/p99/max latency, and with --server-pid the engine's\n"
    "RSS and CPU per heartbeat.\n"
    "Exit codes: 0 every connection held and every heartbeat answered 2xx; 1 otherwise\n"
    "(an engine whose certificate does not verify among them); 2 bad usage; 3 no engine\n"
    "at --url.";

constexpr const char* kDefaultUrl = "http://127.0.0.1:3000";

bool in(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

}  // namespace

std::string check_hold_options(HoldOptions* o, client::Url* url) {
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
  if (!o->cafile.empty()) {
    // Readable is not enough: the connections load it as PEM certificates.
    boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
    if (!runtime::http_client::configure_client_tls(tls, o->cafile, true, &error))
      return "--cafile: " + error;
  }
  if (o->ecis.empty()) return "--ecis FILE is required (one transducer ECI per line)";
  if (o->prototype != "esproto-temp" && o->prototype != "esproto-msa")
    return "--prototype must be esproto-temp or esproto-msa (got '" + o->prototype + "')";
  if (o->connections < 1 || o->connections > kMaxHoldConnections)
    return "--connections must be 1.." + std::to_string(kMaxHoldConnections);
  if (!in(o->interval, kMinHoldInterval, kMaxHoldInterval))
    return "--interval must be 0.001..3600 seconds";
  if (!std::isfinite(o->duration) || o->duration <= 0 || o->duration > kMaxHoldDuration)
    return "--duration must be more than 0 and at most 86400 seconds";
  if (o->ramp < kMinRamp || o->ramp > kMaxRamp)
    return "--ramp must be " + std::to_string(kMinRamp) + ".." + std::to_string(kMaxRamp) +
           " connections a second";
  if (!in(o->request_timeout_seconds, 0.1, kMaxHoldRequestTimeout))
    return "--request-timeout must be 0.1..600 seconds";
  if (o->server_pid < 0) return "--server-pid must be a process id";
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY &&
      static_cast<rlim_t>(o->connections) + kSpareDescriptors > files.rlim_cur) {
    return "--connections " + std::to_string(o->connections) + " needs more open files than " +
           "this process may have (" + std::to_string(files.rlim_cur) +
           "; raise the hard limit, ulimit -Hn)";
  }
  return "";
}

void add_hold_command(CLI::App& app, std::function<int()>* run) {
  auto named_devices = [](CLI::App* a) { return a->get_name() == "devices"; };
  std::vector<CLI::App*> found = app.get_subcommands(named_devices);
  CLI::App* devices =
      found.empty() ? app.add_subcommand("devices", "simulated device fleets (load and checks)")
                    : found.front();
  auto o = std::make_shared<HoldOptions>();
  CLI::App* cmd = devices->add_subcommand("hold", kHoldHelp);
  cmd->footer(kHoldFooter);
  cmd->add_option("--url", o->url,
                  "the engine, http[s]://HOST[:PORT] on loopback (default: $SPIME_URL, else "
                  "http://127.0.0.1:3000)")
      ->type_name("URL");
  cmd->add_option("--cafile", o->cafile, "https: verify the engine with these CAs (PEM)")
      ->type_name("FILE");
  cmd->add_option("--token-file", o->token_file,
                  "the owner's token (first line); default: $SPIME_TOKEN")
      ->type_name("FILE");
  cmd->add_option("--ecis", o->ecis,
                  "the devices' transducer ECIs, one per line (`spime devices simulate "
                  "--setup-only --ecis-out FILE` writes them)")
      ->type_name("FILE");
  cmd->add_option("--prototype", o->prototype,
                  "the devices' prototype: readings stay inside its limits")
      ->type_name("esproto-temp|esproto-msa")
      ->capture_default_str();
  cmd->add_option("--connections", o->connections, "keep-alive connections held at once")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--interval", o->interval,
                  "seconds between two heartbeats of one connection (each from a random phase)")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration, "seconds of hold after the ramp")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--ramp", o->ramp, "connections opened per second (in batches every 100 ms)")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--request-timeout", o->request_timeout_seconds,
                  "seconds each connect and each heartbeat may take")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed: the same seed, the same phases and readings")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--server-pid", o->server_pid,
                  "the engine's process id: report its RSS and CPU time per heartbeat")
      ->type_name("PID");
  cmd->add_flag("--json", o->json, "print the summary as one JSON object");
  cmd->add_flag("!--no-progress", o->progress, "no live progress line on stderr");
  cmd->callback([o, run] { *run = [o] { return run_hold(*o); }; });
}

}  // namespace spime::devices
