#include "devices/silence.h"

#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "devices/parallel.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollPause = std::chrono::milliseconds(250);

// What each device's status should say: nullopt, no expectation.
using Expected = std::vector<std::optional<bool>>;

std::vector<std::int64_t> acknowledged(const LoadLoop& loop) {
  std::vector<std::int64_t> out;
  for (const auto& t : loop.tallies()) out.push_back(t.acknowledged);
  return out;
}

// Polls the collections' statuses until every expectation holds; "" then,
// else what is still off at the deadline.
std::string await_statuses(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                           const Expected& expected, int* checked) {
  const int k = static_cast<int>(fleet.collections.size());
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.settle_seconds));
  *checked = 0;
  for (const auto& e : expected) *checked += e.has_value() ? 1 : 0;
  for (;;) {
    std::vector<std::map<std::string, nlohmann::json>> status(k);
    std::string error;
    std::mutex mu;
    run_parallel(url, o, k, [&](std::size_t c, EngineCalls& calls) {
      Reply r = fleet.collection_query(calls, fleet.collections[c], "status");
      if (!r.ok() || !(r.body.is_array() || r.body.is_object())) {
        std::lock_guard<std::mutex> lock(mu);
        if (error.empty())
          error = "the status of " + fleet.collections[c].name + ": " + r.describe();
        return false;
      }
      for (const auto& m : r.body) {
        if (m.is_object() && m.value("name", json()).is_string())
          status[c][m.at("name").get<std::string>()] = m;
      }
      return true;
    });
    if (!error.empty()) return error;
    int off = 0;
    std::string example;
    for (int d = 0; d < static_cast<int>(expected.size()); ++d) {
      if (!expected[d]) continue;
      const auto& mine = status[collection_of(d, k)];
      auto it = mine.find(device_name(d));
      const json silent = it == mine.end() ? json() : it->second.value("silent", json());
      if (silent.is_boolean() && silent.get<bool>() == *expected[d]) continue;
      ++off;
      if (example.empty())
        example =
            device_name(d) + (it == mine.end() ? " missing from its collection's status"
                                               : " has silent " + silent.dump() + ", expected " +
                                                     (*expected[d] ? "true" : "false"));
    }
    if (off == 0) return "";
    if (Clock::now() >= deadline)
      return std::to_string(off) + " devices off after " +
             std::to_string(static_cast<int>(o.settle_seconds)) + " s; e.g. " + example;
    std::this_thread::sleep_for(kPollPause);
  }
}

}  // namespace

CheckResult check_silence(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                          LoadLoop* loop, double load_seconds) {
  CheckResult out;
  out.name = "silent";
  if (fleet.collections.empty()) {
    out.detail = "no collections (--collections 0)";
    return out;
  }
  const Profile& p = fleet.device_profile;
  const double window = p.heartbeat_interval_seconds * p.missed_heartbeats;
  out.data = {{"window_seconds", window}};
  if (!o.clock_advance && load_seconds <= window + 1) {
    char why[200];
    std::snprintf(why, sizeof why,
                  "silence takes %.0f s (%d missed heartbeats of %.0f s): run the engine with "
                  "--manual-clock and pass --clock-advance",
                  window, p.missed_heartbeats, p.heartbeat_interval_seconds);
    out.detail = why;
    return out;
  }
  const int n = static_cast<int>(loop->tallies().size());
  if (o.clock_advance) {
    const auto ms =
        static_cast<long long>(std::ceil((window + p.heartbeat_interval_seconds) * 1000));
    client::HttpClient client(url, setup_client_options(o));
    EngineCalls calls(&client);
    Reply r =
        calls.post("/api/clock?advance=" + std::to_string(ms) + "&eci=" + fleet.owner_eci, "");
    if (!r.ok()) {
      out.state = "failed";
      out.detail =
          "moving the engine's clock (is it running with --manual-clock?): " + r.describe();
      return out;
    }
    out.data["clock_advanced_ms"] = ms;
  }

  // 1-2: the others speak; the silent ones (heard during the load) are silent.
  std::vector<bool> heard_in_load(n);
  for (int d = 0; d < n; ++d) heard_in_load[d] = loop->tallies()[d].heard;
  std::vector<std::int64_t> before = acknowledged(*loop);
  loop->run_round([loop](int d) { return !loop->traits(d).silent; });
  Expected expected(n);
  int silent_devices = 0;
  for (int d = 0; d < n; ++d) {
    if (loop->traits(d).silent) {
      if (heard_in_load[d]) {
        expected[d] = true;
        ++silent_devices;
      }
    } else if (loop->tallies()[d].acknowledged > before[d]) {
      expected[d] = false;
    }
  }
  int checked = 0;
  if (std::string off = await_statuses(o, url, fleet, expected, &checked); !off.empty()) {
    out.state = "failed";
    out.detail = "after the silence window: " + off;
    return out;
  }
  out.data["silent_reported"] = silent_devices;
  out.data["others_not_silent"] = checked - silent_devices;

  // 3-4: the silent ones speak once more and are back.
  before = acknowledged(*loop);
  loop->run_round(
      [loop, &heard_in_load](int d) { return loop->traits(d).silent && heard_in_load[d]; });
  Expected back(n);
  int returned = 0;
  for (int d = 0; d < n; ++d) {
    if (loop->traits(d).silent && loop->tallies()[d].acknowledged > before[d]) {
      back[d] = false;
      ++returned;
    }
  }
  int checked_back = 0;
  if (std::string off = await_statuses(o, url, fleet, back, &checked_back); !off.empty()) {
    out.state = "failed";
    out.detail = "after their last heartbeat: " + off;
    return out;
  }
  out.data["back"] = returned;
  out.state = "passed";
  out.detail = std::to_string(silent_devices) + " silent devices reported silent and back after " +
               "a last heartbeat (" + std::to_string(returned) + "); " +
               std::to_string(checked - silent_devices) + " others not silent";
  return out;
}

}  // namespace spime::devices
