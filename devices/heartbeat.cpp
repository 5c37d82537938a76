#include "devices/heartbeat.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;
constexpr std::size_t kMaxDevices = 1'000'000;

struct ConnectionTally {
  long long good = 0;
  long long transport_errors = 0;
  std::map<int, long long> bad_status;          // non-200 and 200-without-directives (as 0)
  std::map<std::string, long long> directives;  // by name
  std::vector<float> latencies_ms;
  std::string first_problem;
};

bool read_small_file(const std::string& path, std::size_t limit, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return out->size() <= limit;
}

bool read_ecis(const std::string& path, std::vector<std::string>* ecis) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line) && ecis->size() < kMaxDevices) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) ecis->push_back(line);
  }
  return true;
}

void note_problem(ConnectionTally* t, const std::string& what) {
  if (t->first_problem.empty()) t->first_problem = what;
}

// Checks one answer; counts directives by name.
void tally_answer(const client::Response& r, ConnectionTally* t) {
  if (r.status != 200) {
    ++t->bad_status[r.status];
    note_problem(t, std::to_string(r.status) + " " + r.body.substr(0, 200));
    return;
  }
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("directives") ||
      !body["directives"].is_array()) {
    ++t->bad_status[0];
    note_problem(t, "200 without a directives array: " + r.body.substr(0, 200));
    return;
  }
  ++t->good;
  for (const auto& d : body["directives"]) {
    if (d.is_object() && d.contains("name") && d["name"].is_string())
      ++t->directives[d["name"].get<std::string>()];
  }
}

void run_connection(const HeartbeatOptions& o, const std::vector<std::string>& ecis,
                    const std::vector<std::string>& payloads, int index, ConnectionTally* t) {
  client::Options options;
  options.timeout = kRequestTimeout;
  options.user_agent = "esproto-fleet";
  client::HttpClient client(o.url, options);
  int consecutive_errors = 0;
  for (int round = 0; round < o.count; ++round) {
    for (std::size_t d = index; d < ecis.size(); d += o.connections) {
      const std::string& payload = payloads[(d + round) % payloads.size()];
      const auto start = Clock::now();
      client::Response r = client.request("POST", "/sky/event/" + ecis[d] + "/none/wovyn/heartbeat",
                                          payload, {{"Content-Type", "application/json"}});
      const std::chrono::duration<float, std::milli> took = Clock::now() - start;
      if (!r.error.empty()) {
        ++t->transport_errors;
        note_problem(t, r.error);
        if (++consecutive_errors >= kMaxConsecutiveErrors) return;
        continue;
      }
      consecutive_errors = 0;
      t->latencies_ms.push_back(took.count());
      tally_answer(r, t);
    }
  }
}

float percentile(const std::vector<float>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int run_heartbeat(const HeartbeatOptions& o) {
  std::vector<std::string> ecis;
  if (!read_ecis(o.ecis_path, &ecis) || ecis.empty()) {
    std::fprintf(stderr, "esproto-fleet: no ECIs in %s\n", o.ecis_path.c_str());
    return 1;
  }
  if (static_cast<long long>(ecis.size()) * o.count > kMaxTotalHeartbeats) {
    std::fprintf(stderr, "esproto-fleet: %zu devices x %d heartbeats is over the limit of %lld\n",
                 ecis.size(), o.count, kMaxTotalHeartbeats);
    return 1;
  }
  std::vector<std::string> payloads;
  for (const auto& path : o.payload_paths) {
    std::string body;
    if (!read_small_file(path, kMaxPayloadBytes, &body) ||
        nlohmann::json::parse(body, nullptr, false).is_discarded()) {
      std::fprintf(stderr, "esproto-fleet: %s is not a readable JSON payload under 1 MiB\n",
                   path.c_str());
      return 1;
    }
    payloads.push_back(std::move(body));
  }

  const int connections = std::min<int>(o.connections, static_cast<int>(ecis.size()));
  HeartbeatOptions effective = o;
  effective.connections = connections;
  std::vector<ConnectionTally> tallies(connections);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < connections; ++c)
    threads.emplace_back(run_connection, std::cref(effective), std::cref(ecis), std::cref(payloads),
                         c, &tallies[c]);
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  ConnectionTally all;
  for (auto& t : tallies) {
    all.good += t.good;
    all.transport_errors += t.transport_errors;
    for (const auto& [k, v] : t.bad_status) all.bad_status[k] += v;
    for (const auto& [k, v] : t.directives) all.directives[k] += v;
    all.latencies_ms.insert(all.latencies_ms.end(), t.latencies_ms.begin(), t.latencies_ms.end());
    note_problem(&all, t.first_problem);
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  const long long planned = static_cast<long long>(ecis.size()) * o.count;
  const long long answered = static_cast<long long>(all.latencies_ms.size());
  long long bad = 0;
  for (const auto& [status, n] : all.bad_status) bad += n;

  std::printf(
      "heartbeats: %lld planned, %lld answered, %lld good, %lld bad, %lld transport errors\n",
      planned, answered, all.good, bad, all.transport_errors);
  std::printf("devices: %zu, connections: %d, payloads: %zu, time: %.2f s, rate: %.0f/s\n",
              ecis.size(), connections, payloads.size(), seconds,
              seconds > 0 ? static_cast<double>(answered) / seconds : 0.0);
  std::printf("latency ms: p50 %.2f, p90 %.2f, p99 %.2f, max %.2f\n",
              percentile(all.latencies_ms, 0.50), percentile(all.latencies_ms, 0.90),
              percentile(all.latencies_ms, 0.99),
              all.latencies_ms.empty() ? 0.0f : all.latencies_ms.back());
  for (const auto& [status, n] : all.bad_status)
    std::printf("bad answers with status %d: %lld\n", status, n);
  for (const auto& [name, n] : all.directives) std::printf("directive %s: %lld\n", name.c_str(), n);
  if (!all.first_problem.empty()) std::printf("first problem: %s\n", all.first_problem.c_str());
  return all.good == planned ? 0 : 1;
}

}  // namespace spime::devices
