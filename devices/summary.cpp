#include "devices/summary.h"

#include <cstdio>

#include "devices/report_format.h"

namespace spime::devices {

namespace {

using json = nlohmann::json;

// CPU time per heartbeat, in µs, over the timed load; nullopt without both readings.
std::optional<double> cpu_per_heartbeat(const Summary& s) {
  if (!s.server_before || !s.server_after || !s.load || s.load->sent == 0) return std::nullopt;
  return (s.server_after->cpu_seconds - s.server_before->cpu_seconds) * 1e6 /
         static_cast<double>(s.load->sent);
}

bool over_mqtt(const Summary& s) {
  return s.options.protocol == "mqtt";
}

// A by_status key: an HTTP status, or over MQTT what kind of reply
// (load_loop.h keys them 200, 400, 502, 0).
std::string status_name(const Summary& s, int status, const char* no_answer) {
  if (status == 0) return no_answer;
  if (over_mqtt(s)) {
    if (status == 200) return "reply";
    if (status == 400) return "error reply";
    return "bad reply";
  }
  return std::to_string(status);
}

}  // namespace

bool Summary::passed() const {
  for (const auto& c : checks) {
    if (c.failed()) return false;
  }
  return true;
}

json summary_json(const Summary& s) {
  const Fleet& f = *s.fleet;
  const int devices = static_cast<int>(f.devices.size());
  const int collections = static_cast<int>(f.collections.size());
  json out = {
      {"url", s.url},          {"owner", f.owner_eci},       {"prototype", f.device_profile.name},
      {"devices", devices},    {"collections", collections}, {"connections", s.options.connections},
      {"seed", s.options.seed}};
  out["shares"] = {{"hot", s.hot}, {"low_battery", s.low_battery}, {"silent", s.silent}};
  out["setup"] = {{"seconds", round2(f.seconds)},
                  {"devices_created", f.devices_created},
                  {"devices_reused", devices - f.devices_created},
                  {"devices_from_file", f.devices_from_file},
                  {"collections_created", f.collections_created},
                  {"collections_reused", collections - f.collections_created},
                  {"memberships_added", f.memberships_added},
                  {"memberships_moved", f.memberships_moved},
                  {"spimes_installed", f.spimes_installed}};
  if (s.load) {
    const LoadFigures& l = *s.load;
    out["load"] = {{"seconds", round2(l.seconds)},
                   {"pacing", l.pacing},
                   {"sent", l.sent},
                   {"rate", l.seconds > 0 ? round2(static_cast<double>(l.sent) / l.seconds) : 0.0},
                   {"capped", l.capped},
                   {"latency_ms",
                    {{"p50", round2(l.p50)},
                     {"p90", round2(l.p90)},
                     {"p99", round2(l.p99)},
                     {"max", round2(l.max)}}}};
    const HeartbeatFigures& h = s.heartbeats;
    json by_status = json::object();
    for (const auto& [status, n] : h.by_status) by_status[status_name(s, status, "no answer")] = n;
    out["heartbeats"] = {{"sent", h.sent},
                         {"acknowledged", h.acknowledged},
                         {"refused", h.refused},
                         {"failed", h.failed},
                         {"by_status", by_status},
                         {"malformed_sent", h.malformed_sent},
                         {"malformed_refused", h.malformed_refused}};
    out["protocol"] = s.options.protocol;
    if (over_mqtt(s))
      out["mqtt"] = {{"broker", s.options.mqtt_url}, {"stray_replies", s.stray_replies}};
    json checks = json::array();
    for (const auto& c : s.checks)
      checks.push_back(
          {{"name", c.name}, {"state", c.state}, {"detail", c.detail}, {"data", c.data}});
    out["checks"] = checks;
  }
  if (s.server_after) {
    json server = {{"pid", s.options.server_pid}, {"rss_mb", round2(s.server_after->rss_mb)}};
    if (auto cpu = cpu_per_heartbeat(s)) server["cpu_us_per_heartbeat"] = round2(*cpu);
    out["server"] = server;
  }
  out["passed"] = s.passed();
  return out;
}

std::string summary_text(const Summary& s) {
  const Fleet& f = *s.fleet;
  const int devices = static_cast<int>(f.devices.size());
  const int collections = static_cast<int>(f.collections.size());
  std::string t;
  t += "fleet: " + std::to_string(devices) + " " + f.device_profile.name + " devices (" +
       std::to_string(f.devices_created) + " made, " + std::to_string(devices - f.devices_created) +
       " reused" +
       (f.devices_from_file > 0
            ? ", " + std::to_string(f.devices_from_file) + " of them from the fleet file"
            : std::string()) +
       "), " + std::to_string(collections) + " collections (" +
       std::to_string(f.collections_created) + " made); " + std::to_string(f.memberships_added) +
       " memberships added, " + std::to_string(f.memberships_moved) + " moved" +
       (f.spimes_installed ? "; spimes installed on the owner" : "") + "; set-up " +
       format("%.2f s", f.seconds) + "\n";
  if (s.load) {
    const LoadFigures& l = *s.load;
    t += "load: " + format("%.1f s", l.seconds) + ", " + l.pacing + " over " +
         std::to_string(s.options.connections) +
         (over_mqtt(s) ? " MQTT connections to " + s.options.mqtt_url : " connections") + ": " +
         std::to_string(l.sent) + " heartbeats, " +
         format("%.0f/s", l.seconds > 0 ? l.sent / l.seconds : 0) + "; latency p50 " +
         format("%.2f", l.p50) + " ms, p90 " + format("%.2f", l.p90) + " ms, p99 " +
         format("%.2f", l.p99) + " ms, max " + format("%.2f", l.max) + " ms" +
         (l.capped ? " (stopped at the heartbeat cap)" : "") + "\n";
    const HeartbeatFigures& h = s.heartbeats;
    t += "heartbeats: " + std::to_string(h.sent) + " sent, " + std::to_string(h.acknowledged) +
         " acknowledged, " + std::to_string(h.refused) + " refused, " + std::to_string(h.failed) +
         " failed; " + (over_mqtt(s) ? "by reply:" : "by status:");
    for (const auto& [status, n] : h.by_status)
      t += " " + status_name(s, status, "no-answer") + " " + std::to_string(n);
    if (over_mqtt(s) && s.stray_replies > 0)
      t += "; " + std::to_string(s.stray_replies) + " stray replies";
    t += "\n";
    t += "shares: " + std::to_string(s.hot) + " hot, " + std::to_string(s.low_battery) +
         " low-battery, " + std::to_string(s.silent) + " silent devices; " +
         std::to_string(h.malformed_sent) + " malformed heartbeats\n";
  }
  if (s.server_after) {
    t += "server (pid " + std::to_string(s.options.server_pid) + "): RSS " +
         format("%.0f MB", s.server_after->rss_mb);
    if (auto cpu = cpu_per_heartbeat(s)) t += ", CPU " + format("%.0f us", *cpu) + " per heartbeat";
    t += "\n";
  }
  for (const auto& c : s.checks) t += "check " + c.name + ": " + c.state + " (" + c.detail + ")\n";
  if (s.load) t += std::string("result: ") + (s.passed() ? "passed" : "FAILED") + "\n";
  return t;
}

}  // namespace spime::devices
