#include "devices/load_loop.h"

#include <algorithm>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "devices/fleet_setup.h"
#include "devices/mqtt_link.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

void note(DeviceTally* t, const std::string& problem) {
  if (t->first_problem.empty()) t->first_problem = problem.substr(0, 300);
}

// The number of directives named `threshold_violation` and
// `battery_level_low` in an event's answer; false when it is not one.
bool count_directives(const std::string& body, int* violations, int* low_battery) {
  const auto answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return false;
  const auto it = answer.find("directives");
  if (it == answer.end() || !it->is_array()) return false;
  *violations = 0;
  *low_battery = 0;
  for (const auto& d : *it) {
    if (!d.is_object()) continue;
    const auto name = d.find("name");
    if (name == d.end()) continue;
    if (*name == "threshold_violation") ++*violations;
    if (*name == "battery_level_low") ++*low_battery;
  }
  return true;
}

}  // namespace

struct LoadLoop::Connection {
  std::unique_ptr<client::HttpClient> client;  // kHttp
  std::unique_ptr<MqttLink> mqtt;              // kMqtt
  std::vector<int> devices;
  std::vector<float> latencies;
  std::map<int, std::int64_t> statuses;
  std::int64_t sent = 0;
  bool capped = false;
};

LoadLoop::LoadLoop(const client::Url& url, std::vector<std::string_view> ecis,
                   std::vector<SensorSim> sims, const LoadPlan& plan, LiveCounters* live)
    : url_(url),
      ecis_(std::move(ecis)),
      sims_(std::move(sims)),
      plan_(plan),
      live_(live),
      tallies_(ecis_.size()) {
  const int n = std::max(1, std::min(plan.connections, static_cast<int>(ecis_.size())));
  client::Options options;
  options.timeout = kHeartbeatTimeout;
  options.user_agent = "spime-devices-simulate";
  options.cafile = plan.cafile;
  options.bearer_token = plan.token;
  for (int c = 0; c < n; ++c) {
    auto conn = std::make_unique<Connection>();
    if (plan.protocol == Protocol::kMqtt) {
      MqttLink::Options link;
      link.broker = plan.broker;
      link.client_id = "spime-sim-" + plan.run_id + "-" + std::to_string(c);
      link.reply_topic = reply_topic(plan.run_id, c);
      link.timeout = kHeartbeatTimeout;
      conn->mqtt = std::make_unique<MqttLink>(link);
    } else {
      conn->client = std::make_unique<client::HttpClient>(url_, options);
    }
    connections_.push_back(std::move(conn));
  }
  for (int d = 0; d < static_cast<int>(ecis_.size()); ++d)
    connections_[d % n]->devices.push_back(d);
  if (plan.shuffle) {
    for (int c = 0; c < n; ++c) {
      std::mt19937_64 rng(plan.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(c));
      std::shuffle(connections_[c]->devices.begin(), connections_[c]->devices.end(), rng);
    }
  }
}

LoadLoop::~LoadLoop() = default;

std::string LoadLoop::open() {
  for (auto& c : connections_) {
    if (!c->mqtt) continue;
    if (std::string why = c->mqtt->open(); !why.empty()) return why;
  }
  return "";
}

// What came back for one heartbeat, whatever carried it.
struct LoadLoop::Answer {
  bool answered = false;
  int status = 0;  // as HTTP's: 2xx acknowledged, 4xx refused, else failed
  std::string body;
  std::string error;  // why no answer
};

LoadLoop::Answer LoadLoop::exchange(Connection& c, int device, const std::string& eid,
                                    const std::string& body) {
  Answer a;
  if (c.mqtt) {
    const std::string topic = heartbeat_topic(ecis_[device]);
    if (topic.empty()) {
      a.error = "the ECI cannot be a topic level";
      return a;
    }
    MqttExchange x = c.mqtt->request(topic, body);
    if (!x.replied) {
      a.error = x.error;
      return a;
    }
    const MqttReply reply = parse_reply(x.payload);
    a.answered = true;
    a.status = reply.kind == ReplyKind::kAnswer ? 200 : reply.kind == ReplyKind::kError ? 400 : 502;
    a.body = reply.kind == ReplyKind::kUnknown ? reply.error + ": " + x.payload : x.payload;
    return a;
  }
  static const client::Headers kJson = {{"Content-Type", "application/json"}};
  std::string target = "/sky/event/";
  target += ecis_[device];
  target += "/";
  target += eid;
  target += "/wovyn/heartbeat";
  client::Response r = c.client->request("POST", target, body, kJson);
  a.answered = r.ok();
  a.status = r.status;
  a.body = std::move(r.body);
  a.error = std::move(r.error);
  return a;
}

bool LoadLoop::send(Connection& c, int device, bool may_be_bad) {
  DeviceTally& t = tallies_[device];
  SensorSim& sim = sims_[device];
  const bool bad = may_be_bad && t.spoke && sim.roll(plan_.bad_fraction);
  Heartbeat hb = bad ? sim.next_malformed() : sim.next_good();
  std::string eid = "heartbeat";
  LedgerLine line;
  if (plan_.ledger) {
    eid = "sim-" + plan_.run_id + "-" + std::to_string(device) + "-" + std::to_string(t.sent);
    const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    t.last_stamp_ms = std::max<std::int64_t>(wall, t.last_stamp_ms + 1);
    if (!bad) {
      line.device = device_name(device);
      line.sent_eid = eid;
      line.timestamp = iso_millis(t.last_stamp_ms);
      line.readings = hb.temperatures;
      line.violations = hb.violations;
      hb.body = with_timestamp(hb.body, line.timestamp);
    }
  }
  // The heartbeat's fate, in the ledger (good heartbeats only).
  auto record = [&](bool acknowledged, int status, const std::string& answer) {
    if (!plan_.ledger || bad) return;
    line.acknowledged = acknowledged;
    line.status = status;
    if (acknowledged) {
      const auto j = nlohmann::json::parse(answer, nullptr, /*allow_exceptions=*/false);
      const auto it = j.is_object() ? j.find("eid") : j.end();
      if (j.is_object() && it != j.end() && it->is_string()) line.eid = it->get<std::string>();
    }
    plan_.ledger->write(line);
  };
  t.spoke = true;
  ++t.sent;
  ++c.sent;
  if (bad) ++t.bad_sent;
  live_->sent.fetch_add(1, std::memory_order_relaxed);

  const auto t0 = Clock::now();
  const Answer r = exchange(c, device, eid, hb.body);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const std::string what =
      bad ? std::string("malformed (") + malformed_kind_name(hb.malformed_kind) + ")"
          : std::string("heartbeat");
  if (!r.answered) {
    ++t.failed;
    ++c.statuses[0];
    live_->failed.fetch_add(1, std::memory_order_relaxed);
    if (!bad) t.unknown_violations += hb.violations;
    note(&t, what + ": no answer: " + r.error);
    record(false, 0, "");
    return false;
  }
  c.latencies.push_back(static_cast<float>(ms));
  live_->latency.add(ms);
  ++c.statuses[r.status];
  record(r.status >= 200 && r.status < 300, r.status, r.body);
  if (r.status >= 200 && r.status < 300) {
    ++t.acknowledged;
    live_->acknowledged.fetch_add(1, std::memory_order_relaxed);
    if (bad) {
      ++t.bad_acknowledged;
      note(&t, what + " acknowledged " + std::to_string(r.status) + ": " + r.body);
      return true;
    }
    t.heard = true;
    t.last_health = hb.health;
    t.expected_violations += hb.violations;
    t.expected_low_battery += hb.low_battery ? 1 : 0;
    int violations = 0, low_battery = 0;
    if (!count_directives(r.body, &violations, &low_battery)) {
      ++t.answers_off;
      note(&t, "heartbeat answered without directives: " + r.body);
      return true;
    }
    t.answered_violations += violations;
    t.answered_low_battery += low_battery;
    if (violations != hb.violations || low_battery != (hb.low_battery ? 1 : 0)) {
      ++t.answers_off;
      note(&t, "heartbeat with " + std::to_string(hb.violations) + " violation(s)" +
                   (hb.low_battery ? " and a low battery" : "") + " answered " + r.body);
    }
  } else if (r.status >= 400 && r.status < 500) {
    ++t.refused;
    live_->refused.fetch_add(1, std::memory_order_relaxed);
    if (bad) {
      ++t.bad_refused;
    } else {
      ++t.good_refused;
      note(&t, "a good heartbeat refused " + std::to_string(r.status) + ": " + r.body);
    }
  } else {
    ++t.failed;
    live_->failed.fetch_add(1, std::memory_order_relaxed);
    note(&t, what + " answered " + std::to_string(r.status) + ": " + r.body);
    return false;
  }
  return true;
}

void LoadLoop::timed(Connection& c, Clock::time_point start, Clock::time_point end, int index) {
  const std::size_t n = c.devices.size();
  if (n == 0) return;
  const double count = static_cast<double>(connections_.size());
  const bool by_interval = plan_.interval > 0;
  double period = 0;
  if (plan_.rate > 0) period = count / plan_.rate;
  if (by_interval) period = plan_.interval / static_cast<double>(n);
  // Connections start a fraction of a period apart, not all at once.
  const double offset = period * index / count;
  const std::int64_t cap = kMaxHeartbeats / static_cast<std::int64_t>(connections_.size());
  std::size_t turn = 0;
  std::chrono::milliseconds pause = kOutageFirstPause;
  for (std::int64_t tick = 0;; ++tick) {
    if (c.sent >= cap) {
      c.capped = true;
      return;
    }
    const auto now = Clock::now();
    if (now >= end || (plan_.stop && plan_.stop->load())) return;
    if (period > 0) {
      const auto due = start + seconds(offset + static_cast<double>(tick) * period);
      if (due >= end) return;
      if (due > now) std::this_thread::sleep_until(due);
    }
    int device = -1;
    if (by_interval) {
      // Each device keeps its turn; a silent one lets it pass.
      const int d = c.devices[turn++ % n];
      if (!(sims_[d].traits().silent && tallies_[d].spoke)) device = d;
    } else {
      for (std::size_t tries = 0; tries < n && device < 0; ++tries) {
        const int d = c.devices[turn++ % n];
        if (!(sims_[d].traits().silent && tallies_[d].spoke)) device = d;
      }
      if (device < 0) return;  // every device of this connection is silent now
    }
    if (device < 0) continue;
    if (send(c, device, /*may_be_bad=*/true) || !plan_.ride_outages) {
      pause = kOutageFirstPause;
      continue;
    }
    // An outage: wait (never past the end), then go on from the tick reached.
    const auto resume = std::min<Clock::time_point>(Clock::now() + pause, end);
    std::this_thread::sleep_until(resume);
    pause = std::min<std::chrono::milliseconds>(pause * 2, kOutagePause);
    if (period > 0) {
      const double at = std::chrono::duration<double>(Clock::now() - start).count() - offset;
      tick = std::max(tick, static_cast<std::int64_t>(at / period));
    }
  }
}

double LoadLoop::run_timed() {
  const auto start = Clock::now();
  const auto end = start + seconds(plan_.duration);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connections_.size(); ++i)
    threads.emplace_back(
        [this, i, start, end] { timed(*connections_[i], start, end, static_cast<int>(i)); });
  for (auto& t : threads) t.join();
  for (const auto& c : connections_) hit_cap_ = hit_cap_ || c->capped;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void LoadLoop::run_round(const std::function<bool(int)>& which) {
  std::vector<std::thread> threads;
  for (auto& conn : connections_) {
    threads.emplace_back([this, &which, c = conn.get()] {
      for (int d : c->devices) {
        if (which(d)) send(*c, d, /*may_be_bad=*/false);
      }
    });
  }
  for (auto& t : threads) t.join();
}

std::vector<float> LoadLoop::sorted_latencies() const {
  std::vector<float> all;
  std::size_t n = 0;
  for (const auto& c : connections_) n += c->latencies.size();
  all.reserve(n);
  for (const auto& c : connections_)
    all.insert(all.end(), c->latencies.begin(), c->latencies.end());
  std::sort(all.begin(), all.end());
  return all;
}

std::int64_t LoadLoop::stray_replies() const {
  std::int64_t n = 0;
  for (const auto& c : connections_) {
    if (c->mqtt) n += c->mqtt->stray_replies();
  }
  return n;
}

std::map<int, std::int64_t> LoadLoop::statuses() const {
  std::map<int, std::int64_t> all;
  for (const auto& c : connections_) {
    for (const auto& [status, n] : c->statuses) all[status] += n;
  }
  return all;
}

}  // namespace spime::devices
