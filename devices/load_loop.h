// The load: heartbeats POSTed to each device's transducer channel
// (/sky/event/<eci>/heartbeat/wovyn/heartbeat) over C keep-alive
// connections, one request in flight on each; or, with plan.protocol
// kMqtt, published to `spime/<eci>/wovyn/heartbeat` over C connections to
// the broker (mqtt_link.h), one publish waiting for its reply on each. A
// reply {eid, directives} counts as a 2xx answer, {"error"} as a 4xx, a
// reply of another shape as a 5xx, no reply as no answer (statuses() keys
// them 200, 400, 502 and 0); the latency runs from the publish to the
// reply, which the bridge sends after the event committed.
//
// Device d belongs to connection d mod C, which sends all its heartbeats, in
// order (so a device's readings and battery move in order, and its tally
// needs no lock). A connection takes its devices by index, or with
// plan.shuffle in an order shuffled by plan.seed (so a load shorter than
// one round over a large fleet still reaches devices all over it). Pacing, per connection, one tick
// per heartbeat:
//   --rate R      ticks R/C per second, devices in turn (a silent device that
//                 has spoken is skipped: the total stays R per second);
//   --interval S  each device once every S seconds, spread over the interval
//                 (a silent device's turn passes in silence);
//   neither       no pacing: the next heartbeat leaves when the answer is in.
// A tick that is late (the engine is slower than asked) leaves at once:
// the rate reported is the rate reached. Every device's first heartbeat is a
// good one; after it, each is malformed with probability --bad-fraction.
//
// Outages (plan.ride_outages): a heartbeat without an answer, or answered
// 5xx, leaves its connection waiting (kOutageFirstPause doubling up to
// kOutagePause, never past the end of the load), then the load goes on at
// the tick it has reached (the ticks missed are not made up). With
// plan.ledger, every good heartbeat gets its own eid
// (sim-<run>-<device>-<n>) and a top-level "timestamp", and its fate is
// written to the ledger (ledger.h).
//
// Bounded: the timed load stops at --duration (a request then in flight
// ends within its deadline, kHeartbeatTimeout) or at kMaxHeartbeats.
//
// Thread-safety: run_timed and run_round start and join their own threads;
// call them one at a time. Read the tallies between them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "channels/client/http_client.h"
#include "devices/ledger.h"
#include "devices/mqtt_topics.h"
#include "devices/payloads.h"
#include "devices/progress.h"

namespace spime::devices {

constexpr std::chrono::seconds kHeartbeatTimeout{10};
constexpr std::int64_t kMaxHeartbeats = 10'000'000;  // the latencies kept: 40 MB
constexpr std::chrono::milliseconds kOutageFirstPause{100};
constexpr std::chrono::milliseconds kOutagePause{2000};

// What one device did and got; expectations count only heartbeats the
// engine acknowledged (a refused or failed event changes nothing).
struct DeviceTally {
  std::int64_t sent = 0;
  std::int64_t acknowledged = 0;
  std::int64_t refused = 0;               // 4xx
  std::int64_t failed = 0;                // 5xx or no answer
  std::int64_t expected_violations = 0;   // readings out of limits, acknowledged
  std::int64_t answered_violations = 0;   // threshold_violation directives received
  std::int64_t expected_low_battery = 0;  // acknowledged heartbeats under the level
  std::int64_t answered_low_battery = 0;  // battery_level_low directives received
  std::int64_t answers_off = 0;  // acknowledged heartbeats whose directives were not the expected
  std::int64_t bad_sent = 0;
  std::int64_t bad_refused = 0;       // 4xx, as they must be
  std::int64_t bad_acknowledged = 0;  // 2xx: should not happen
  std::int64_t good_refused = 0;      // 4xx for a good heartbeat: should not happen
  // Violations in heartbeats whose answer never came: they may or may not
  // have been logged.
  std::int64_t unknown_violations = 0;
  bool spoke = false;              // its first heartbeat has been sent
  bool heard = false;              // a good heartbeat of it has been acknowledged
  double last_health = -1;         // healthPercent of its last acknowledged heartbeat
  std::int64_t last_stamp_ms = 0;  // with a ledger: its last heartbeat's timestamp
  std::string first_problem;
};

enum class Protocol { kHttp, kMqtt };

struct LoadPlan {
  Protocol protocol = Protocol::kHttp;
  MqttUrl broker;      // kMqtt: the broker
  std::string run_id;  // kMqtt: names the reply topics and client ids (new_run_id())
  int connections = 1;
  double rate = 0;      // heartbeats/s in all; 0: not by rate
  double interval = 0;  // s per device; 0: not by interval
  double duration = 10;
  double bad_fraction = 0;
  bool shuffle = false;  // each connection's devices in a shuffled order
  std::uint64_t seed = 1;
  std::string cafile;         // https: the engine's CAs ("": the system's)
  std::string token;          // sent as Bearer when set
  bool ride_outages = false;  // back off and go on when the engine does not answer
  Ledger* ledger = nullptr;   // when set: each good heartbeat's fate (outlives the loop)
  // When set and true, the timed load ends early, as at plan.duration (a
  // signal handler may set it).
  const std::atomic<bool>* stop = nullptr;
};

class LoadLoop {
 public:
  // One transducer ECI and one SensorSim per device, same order. The ECIs
  // are views: what they show must outlive the loop (the fleet's table).
  LoadLoop(const client::Url& url, std::vector<std::string_view> ecis, std::vector<SensorSim> sims,
           const LoadPlan& plan, LiveCounters* live);
  ~LoadLoop();

  // Opens the connections that must be open before the load (the MQTT
  // links: connected and subscribed to their reply topics; HTTP connects
  // on the first request): "" when all are, else the first reason.
  std::string open();

  // The timed load, for plan.duration seconds; its wall time in seconds.
  double run_timed();
  // One good heartbeat from each device `which` accepts, unpaced.
  void run_round(const std::function<bool(int device)>& which);

  const std::vector<DeviceTally>& tallies() const { return tallies_; }
  const DeviceTraits& traits(int device) const { return sims_[device].traits(); }
  // Every answered request's latency (ms), ascending.
  std::vector<float> sorted_latencies() const;
  // Answers by HTTP status (0: no answer); over MQTT as the header says.
  std::map<int, std::int64_t> statuses() const;
  // MQTT replies dropped: for another request, or after theirs gave up.
  std::int64_t stray_replies() const;
  bool hit_cap() const { return hit_cap_; }
  int connections() const { return static_cast<int>(connections_.size()); }

 private:
  struct Connection;
  struct Answer;
  Answer exchange(Connection& c, int device, const std::string& eid, const std::string& body);
  // False when the engine did not answer, or answered 5xx (an outage).
  bool send(Connection& c, int device, bool may_be_bad);
  void timed(Connection& c, std::chrono::steady_clock::time_point start,
             std::chrono::steady_clock::time_point end, int index);

  client::Url url_;
  std::vector<std::string_view> ecis_;
  std::vector<SensorSim> sims_;
  LoadPlan plan_;
  LiveCounters* live_;
  std::vector<DeviceTally> tallies_;
  std::vector<std::unique_ptr<Connection>> connections_;
  bool hit_cap_ = false;
};

}  // namespace spime::devices
