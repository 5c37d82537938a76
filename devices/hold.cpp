// run_hold: the steps of hold.h, in order; the connections themselves are
// hold_connections.cpp's, the summary hold_summary.cpp's.
#include "devices/hold.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <thread>

#include "devices/engine_calls.h"
#include "devices/hold_connections.h"
#include "devices/hold_options.h"
#include "devices/hold_summary.h"
#include "devices/payloads.h"
#include "devices/progress.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long the server is left to let go of the closed connections before
// its RSS is read the last time.
constexpr milliseconds kAfterClose{2000};
// Slack on top of each phase's own bound before the run stops waiting.
constexpr milliseconds kSlack{5000};
// How client::HttpClient's error of a failed TLS handshake begins (its header).
constexpr const char* kHandshakeFailed = "TLS handshake with ";

void complain(const std::string& message) {
  std::fprintf(stderr, "spime devices hold: %s\n", message.c_str());
}

milliseconds ms_of(double seconds) {
  return milliseconds(static_cast<long long>(seconds * 1000));
}

// The ECIs of `path`, one a line (blank lines skipped); "" or why not.
std::string read_ecis(const std::string& path, std::vector<std::string>* ecis) {
  std::ifstream in(path);
  if (!in) return "cannot read --ecis " + path;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (!path_segment_ok(line)) return "--ecis " + path + ": not an ECI: '" + line + "'";
    if (static_cast<int>(ecis->size()) >= kMaxHoldDevices)
      return "--ecis " + path + ": more than " + std::to_string(kMaxHoldDevices) + " ECIs";
    ecis->push_back(line);
  }
  if (ecis->empty()) return "--ecis " + path + ": no ECIs in it";
  return "";
}

// Waits for one phase of the run, reading the server's RSS once a second
// for the peak; true when the phase came within `bound`.
template <typename Wait>
bool wait_sampling(Wait wait, milliseconds bound, long pid, double* peak_rss_mb) {
  const auto deadline = Clock::now() + bound;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (wait(std::clamp(left, milliseconds(0), milliseconds(1000)))) return true;
    if (auto u = read_server_usage(pid)) *peak_rss_mb = std::max(*peak_rss_mb, u->rss_mb);
    if (Clock::now() >= deadline) return false;
  }
}

int hold(HoldOptions o) {
  client::Url url;
  if (std::string why = check_hold_options(&o, &url); !why.empty()) {
    complain(why);
    return kHoldUsage;
  }
  std::vector<std::string> ecis;
  if (std::string why = read_ecis(o.ecis, &ecis); !why.empty()) {
    complain(why);
    return kHoldUsage;
  }

  // The readings' limits, from the engine (also: is an engine there at all).
  client::Options client_options;
  client_options.timeout = ms_of(o.request_timeout_seconds);
  client_options.user_agent = "spime-devices-hold";
  client_options.cafile = o.cafile;
  client_options.bearer_token = o.token;
  client::HttpClient http(url, client_options);
  EngineCalls calls(&http);
  const Reply resolved = calls.get("/api/prototypes/" + o.prototype);
  if (!resolved.answered()) {
    // Something took part in the handshake: a server is there, not one to trust.
    if (resolved.error.rfind(kHandshakeFailed, 0) == 0) {
      complain("no TLS session with the engine at " + url.to_string() + ": " + resolved.describe());
      return kHoldFailed;
    }
    complain("no engine at " + url.to_string() + ": " + resolved.describe());
    return kHoldUnreachable;
  }
  Profile profile;
  std::string why;
  if (!resolved.ok() || !read_profile(resolved.body, &profile, &why)) {
    complain("reading the prototype " + o.prototype + ": " +
             (why.empty() ? resolved.describe() : why));
    return kHoldFailed;
  }
  http.close();

  std::vector<SensorSim> sims;
  std::vector<std::string> targets;
  sims.reserve(ecis.size());
  for (std::size_t d = 0; d < ecis.size(); ++d) {
    sims.emplace_back(profile, model_of(o.prototype), DeviceTraits{}, static_cast<int>(d), o.seed);
    targets.push_back("/sky/event/" + ecis[d] + "/heartbeat/wovyn/heartbeat");
  }

  HoldReport report;
  report.url = url.to_string();
  report.options = o;
  report.devices = static_cast<int>(ecis.size());
  HoldPlan plan;
  plan.connections = o.connections;
  plan.interval = o.interval;
  plan.duration = o.duration;
  plan.ramp_per_second = o.ramp;
  plan.request_timeout = ms_of(o.request_timeout_seconds);
  plan.seed = o.seed;
  plan.cafile = o.cafile;
  plan.token = o.token;
  LiveCounters live;
  HeldConnections held(
      url, std::move(targets), [&sims](int d) { return sims[d].next_good().body; }, plan, &live);

  report.before = read_server_usage(o.server_pid);
  if (report.before) report.peak_rss_mb = report.before->rss_mb;
  if (std::string error = held.start(); !error.empty()) {
    complain(error);
    return kHoldUnreachable;
  }
  const double ramp_seconds = static_cast<double>(o.connections) / o.ramp;
  Progress progress(live, o.progress);
  progress.start("hold", ramp_seconds + o.duration);
  const milliseconds ramp_bound = ms_of(ramp_seconds + o.request_timeout_seconds) + kSlack;
  report.ramp_completed = wait_sampling([&](milliseconds w) { return held.wait_ramped(w); },
                                        ramp_bound, o.server_pid, &report.peak_rss_mb);
  const auto window_start = Clock::now();
  const std::int64_t sent_at_start = live.sent.load();
  report.open = read_server_usage(o.server_pid);
  const milliseconds hold_bound = ms_of(o.duration + o.request_timeout_seconds) + kSlack;
  report.hold_completed =
      report.ramp_completed && wait_sampling([&](milliseconds w) { return held.wait_held(w); },
                                             hold_bound, o.server_pid, &report.peak_rss_mb);
  report.window_sent = live.sent.load() - sent_at_start;
  report.window_seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
  report.held = read_server_usage(o.server_pid);
  progress.stop();
  report.figures = held.finish();
  if (o.server_pid > 0) {
    std::this_thread::sleep_for(kAfterClose);
    report.after = read_server_usage(o.server_pid);
  }

  report.sent = live.sent.load();
  report.acknowledged = live.acknowledged.load();
  report.refused = live.refused.load();
  report.failed = live.failed.load();
  // A bucket's middle may lie past the slowest answer: never report more.
  const double max_ms = report.figures.max_ms;
  report.p50 = std::min(live.latency.quantile(0.50), max_ms);
  report.p90 = std::min(live.latency.quantile(0.90), max_ms);
  report.p99 = std::min(live.latency.quantile(0.99), max_ms);
  if (o.json)
    std::printf("%s\n", hold_json(report).dump().c_str());
  else
    std::fputs(hold_text(report).c_str(), stdout);
  std::fflush(stdout);
  // No connection at all: no engine there, unless one answered the handshakes (exit 1).
  if (report.figures.established == 0 && report.figures.handshake_failed == 0)
    return kHoldUnreachable;
  return report.passed() ? kHoldOk : kHoldFailed;
}

}  // namespace

int run_hold(const HoldOptions& options) {
  try {
    return hold(options);
  } catch (const std::exception& e) {
    complain(std::string("internal error: ") + e.what());
    return kHoldFailed;
  }
}

}  // namespace spime::devices
