// run_simulate: the steps of simulate.h, in order. Each step lives in its
// own file; this one only chains them and decides the exit code.
#include "devices/simulate.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <numeric>
#include <random>

#include "devices/end_check.h"
#include "devices/fleet_setup.h"
#include "devices/latency.h"
#include "devices/ledger.h"
#include "devices/load_loop.h"
#include "devices/mqtt_link.h"
#include "devices/payloads.h"
#include "devices/progress.h"
#include "devices/silence.h"
#include "devices/simulate_options.h"
#include "devices/summary.h"

namespace spime::devices {

namespace {

// --ride-outages: SIGTERM or SIGINT ends the load early (the checks and the
// summary still run), so that a crash script stops the load when its cycles
// are done. Lock-free, so a handler may store it.
std::atomic<bool> g_stop_load{false};
extern "C" void stop_load(int) {
  g_stop_load.store(true);
}

void complain(const std::string& message) {
  std::fprintf(stderr, "spime devices simulate: %s\n", message.c_str());
}

// `share` of n devices, chosen by the seed (each share on its own draw).
std::vector<bool> pick(int n, double share, std::uint64_t seed, std::uint64_t salt) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ (salt * 0x9E3779B97F4A7C15ULL));
  std::shuffle(order.begin(), order.end(), rng);
  const int chosen = static_cast<int>(std::lround(share * n));
  std::vector<bool> out(n, false);
  for (int i = 0; i < chosen && i < n; ++i) out[order[i]] = true;
  return out;
}

// Routes SIGTERM and SIGINT to g_stop_load during the load (on), back to
// their defaults after it (off).
void plan_stop_signals(bool on) {
  std::signal(SIGTERM, on ? stop_load : SIG_DFL);
  std::signal(SIGINT, on ? stop_load : SIG_DFL);
}

std::string pacing_of(const SimulateOptions& o) {
  char buf[64];
  if (o.rate > 0) {
    std::snprintf(buf, sizeof buf, "paced at %g/s", o.rate);
    return buf;
  }
  if (o.interval > 0) {
    std::snprintf(buf, sizeof buf, "every %g s per device", o.interval);
    return buf;
  }
  return "unpaced";
}

bool write_ecis(const std::string& path, const Fleet& fleet) {
  std::ofstream out(path, std::ios::trunc);
  const int transducer = fleet.devices.column("transducer");
  for (int d = 0; d < fleet.devices.size(); ++d)
    out << fleet.devices.channel(d, transducer) << '\n';
  out.close();
  return static_cast<bool>(out);
}

void print(const Summary& s) {
  if (s.options.json)
    std::printf("%s\n", summary_json(s).dump().c_str());
  else
    std::fputs(summary_text(s).c_str(), stdout);
  std::fflush(stdout);
}

// "" when the broker takes a connection and a subscription, else why not:
// before the set-up, so a run without its broker stops at once.
std::string probe_broker(const MqttUrl& broker, const std::string& run_id) {
  MqttLink::Options probe;
  probe.broker = broker;
  probe.client_id = "spime-sim-" + run_id + "-probe";
  probe.reply_topic = reply_topic(run_id, 0);
  probe.timeout = std::chrono::seconds(5);
  return MqttLink(probe).open();
}

int simulate(SimulateOptions o) {
  client::Url url;
  MqttUrl broker;
  if (std::string why = check_options(&o, &url, &broker); !why.empty()) {
    complain(why);
    return kSimulateUsage;
  }
  const bool mqtt = o.protocol == "mqtt";
  const std::string run_id = new_run_id();
  if (mqtt && !o.setup_only) {
    if (std::string why = probe_broker(broker, run_id); !why.empty()) {
      complain(why);
      return kSimulateUnreachable;
    }
  }
  Fleet fleet;
  std::string error;
  if (int code = set_up_fleet(o, url, &fleet, &error); code != kSimulateOk) {
    complain(error);
    return code;
  }
  if (!o.ecis_out.empty() && !write_ecis(o.ecis_out, fleet)) {
    complain("cannot write " + o.ecis_out);
    return kSimulateFailed;
  }
  Summary summary;
  summary.url = url.to_string();
  summary.options = o;
  summary.fleet = &fleet;
  if (o.setup_only) {
    print(summary);
    return kSimulateOk;
  }

  // The fleet's devices: who is hot, low on battery, silent.
  const int n = static_cast<int>(fleet.devices.size());
  const auto hot = pick(n, o.hot_fraction, o.seed, 1);
  const auto low = pick(n, o.low_battery_fraction, o.seed, 2);
  const auto silent = pick(n, o.silent_fraction, o.seed, 3);
  const SensorModel model = model_of(o.prototype);
  std::vector<SensorSim> sims;
  std::vector<std::string_view> ecis;
  sims.reserve(static_cast<std::size_t>(n));
  ecis.reserve(static_cast<std::size_t>(n));
  const int transducer = fleet.devices.column("transducer");
  for (int d = 0; d < n; ++d) {
    DeviceTraits traits;
    traits.hot = hot[d];
    traits.low_battery = low[d];
    traits.silent = silent[d];
    traits.string_numbers = model == SensorModel::kMsa && d % 2 == 1;
    summary.hot += traits.hot;
    summary.low_battery += traits.low_battery;
    summary.silent += traits.silent;
    sims.emplace_back(fleet.device_profile, model, traits, d, o.seed);
    ecis.push_back(fleet.devices.channel(d, transducer));
  }

  std::string mark_error;
  const std::vector<std::string> marks = mark_violation_logs(o, url, fleet, &mark_error);

  LiveCounters live;
  LoadPlan plan;
  plan.protocol = mqtt ? Protocol::kMqtt : Protocol::kHttp;
  plan.broker = broker;
  plan.run_id = run_id;
  plan.connections = o.connections;
  plan.rate = o.rate;
  plan.interval = o.interval;
  plan.duration = o.duration;
  plan.bad_fraction = o.bad_fraction;
  plan.shuffle = o.shuffle;
  plan.seed = o.seed;
  plan.cafile = o.cafile;
  plan.token = o.token;
  plan.ride_outages = o.ride_outages;
  plan.stop = &g_stop_load;
  Ledger ledger;
  if (!o.ledger.empty()) {
    if (std::string why = ledger.open(o.ledger); !why.empty()) {
      complain(why);
      return kSimulateFailed;
    }
    plan.ledger = &ledger;
  }
  LoadLoop loop(url, std::move(ecis), std::move(sims), plan, &live);
  if (std::string why = loop.open(); !why.empty()) {
    complain(why);
    return kSimulateUnreachable;
  }

  summary.server_before = read_server_usage(o.server_pid);
  Progress progress(live, o.progress);
  progress.start("load", o.duration);
  LoadFigures load;
  if (o.ride_outages) plan_stop_signals(true);
  load.seconds = loop.run_timed();
  if (o.ride_outages) plan_stop_signals(false);
  progress.stop();
  summary.server_after = read_server_usage(o.server_pid);
  load.pacing = pacing_of(o);
  load.sent = live.sent.load();
  load.capped = loop.hit_cap();
  const std::vector<float> latencies = loop.sorted_latencies();
  load.p50 = quantile_of_sorted(latencies, 0.50);
  load.p90 = quantile_of_sorted(latencies, 0.90);
  load.p99 = quantile_of_sorted(latencies, 0.99);
  load.max = latencies.empty() ? 0 : latencies.back();
  summary.load = load;

  // The silence check sends its own rounds of heartbeats: before the others.
  CheckResult silence;
  if (o.ride_outages) {
    silence.name = "silent";
    silence.detail = "--ride-outages: a restarted engine counts silence again";
  } else {
    silence = check_silence(o, url, fleet, &loop, load.seconds);
  }
  summary.checks.push_back(check_answers(loop, o.ride_outages));
  summary.checks.push_back(check_malformed(loop, o.ride_outages));
  summary.checks.push_back(check_violations(o, url, fleet, marks, mark_error, loop));
  summary.checks.push_back(silence);

  HeartbeatFigures& h = summary.heartbeats;
  for (const auto& t : loop.tallies()) {
    h.sent += t.sent;
    h.acknowledged += t.acknowledged;
    h.refused += t.refused;
    h.failed += t.failed;
    h.malformed_sent += t.bad_sent;
    h.malformed_refused += t.bad_refused;
  }
  h.by_status = loop.statuses();
  if (plan.ledger && !ledger.error().empty()) {
    complain(ledger.error());
    print(summary);
    return kSimulateFailed;
  }
  summary.stray_replies = loop.stray_replies();
  print(summary);
  return summary.passed() ? kSimulateOk : kSimulateFailed;
}

}  // namespace

int run_simulate(const SimulateOptions& options) {
  try {
    return simulate(options);
  } catch (const std::exception& e) {
    complain(std::string("internal error: ") + e.what());
    return kSimulateFailed;
  }
}

}  // namespace spime::devices
