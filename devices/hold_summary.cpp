#include "devices/hold_summary.h"

#include <cstdio>

#include "devices/report_format.h"

namespace spime::devices {

namespace {

using json = nlohmann::json;

double rate(const HoldReport& r) {
  return r.window_seconds > 0 ? static_cast<double>(r.window_sent) / r.window_seconds : 0;
}

// The server's CPU time per heartbeat over the hold, in µs; nullopt without both readings.
std::optional<double> cpu_per_heartbeat(const HoldReport& r) {
  if (!r.open || !r.held || r.window_sent == 0) return std::nullopt;
  return (r.held->cpu_seconds - r.open->cpu_seconds) * 1e6 / static_cast<double>(r.window_sent);
}

json rss(const std::optional<ServerUsage>& u) {
  return u ? json(round2(u->rss_mb)) : json();
}

std::string rss_text(const std::optional<ServerUsage>& u) {
  return u ? format("%.0f MB", u->rss_mb) : std::string("?");
}

}  // namespace

bool HoldReport::passed() const {
  const HoldFigures& f = figures;
  return ramp_completed && hold_completed && f.established == options.connections &&
         f.connect_failed == 0 && f.closed_by_server == 0 && f.dropped == 0 &&
         f.open_at_end == options.connections && refused == 0 && failed == 0 &&
         sent == acknowledged;
}

json hold_json(const HoldReport& r) {
  const HoldOptions& o = r.options;
  const HoldFigures& f = r.figures;
  json out = {{"url", r.url},           {"prototype", o.prototype},
              {"devices", r.devices},   {"connections", o.connections},
              {"interval", o.interval}, {"duration", o.duration},
              {"ramp", o.ramp},         {"seed", o.seed}};
  out["connection"] = {{"attempted", f.attempted},
                       {"established", f.established},
                       {"failed", f.connect_failed},
                       {"closed_by_server", f.closed_by_server},
                       {"dropped", f.dropped},
                       {"open_at_end", f.open_at_end},
                       {"ramp_seconds", round2(f.ramp_seconds)}};
  json by_status = json::object();
  for (const auto& [status, n] : f.by_status)
    by_status[status == 0 ? "no answer" : std::to_string(status)] = n;
  out["heartbeats"] = {{"sent", r.sent},       {"acknowledged", r.acknowledged},
                       {"refused", r.refused}, {"failed", r.failed},
                       {"late", f.late},       {"by_status", by_status}};
  out["hold"] = {
      {"seconds", round2(r.window_seconds)},
      {"sent", r.window_sent},
      {"rate", round2(rate(r))},
      {"latency_ms",
       {{"p50", round2(r.p50)},
        {"p90", round2(r.p90)},
        {"p99", round2(r.p99)},
        {"max", round2(f.max_ms)}}},
      {"latency_from_due_ms",
       {{"p50", round2(f.due_p50)}, {"p99", round2(f.due_p99)}, {"max", round2(f.due_max_ms)}}}};
  if (o.server_pid > 0) {
    json server = {{"pid", o.server_pid},
                   {"rss_mb",
                    {{"before", rss(r.before)},
                     {"open", rss(r.open)},
                     {"held", rss(r.held)},
                     {"peak", round2(r.peak_rss_mb)},
                     {"after", rss(r.after)}}}};
    if (auto cpu = cpu_per_heartbeat(r)) server["cpu_us_per_heartbeat"] = round2(*cpu);
    out["server"] = server;
  }
  if (!f.first_error.empty()) out["first_error"] = f.first_error;
  out["passed"] = r.passed();
  return out;
}

std::string hold_text(const HoldReport& r) {
  const HoldOptions& o = r.options;
  const HoldFigures& f = r.figures;
  std::string t;
  t += "connections: " + std::to_string(f.attempted) + " tried, " + std::to_string(f.established) +
       " established, " + std::to_string(f.connect_failed) + " failed, " +
       std::to_string(f.closed_by_server) + " closed by the server, " + std::to_string(f.dropped) +
       " dropped; " + std::to_string(f.open_at_end) + " open at the end; ramp " +
       format("%.2f s", f.ramp_seconds) + (r.ramp_completed ? "" : " (not completed)") + "\n";
  t += "hold: " + format("%.1f s", r.window_seconds) + ", a heartbeat every " +
       format("%g s", o.interval) + " per connection to " + std::to_string(r.devices) +
       " devices: " + std::to_string(r.window_sent) + " heartbeats, " + format("%.0f/s", rate(r)) +
       "; latency p50 " + format("%.2f", r.p50) + " ms, p90 " + format("%.2f", r.p90) +
       " ms, p99 " + format("%.2f", r.p99) + " ms, max " + format("%.2f", f.max_ms) +
       " ms; from the heartbeat's time p50 " + format("%.2f", f.due_p50) + " ms, p99 " +
       format("%.2f", f.due_p99) + " ms, max " + format("%.2f", f.due_max_ms) + " ms" +
       (r.hold_completed ? "" : " (answers still missing)") + "\n";
  t += "heartbeats: " + std::to_string(r.sent) + " sent, " + std::to_string(r.acknowledged) +
       " acknowledged, " + std::to_string(r.refused) + " refused, " + std::to_string(r.failed) +
       " failed, " + std::to_string(f.late) + " late; by status:";
  for (const auto& [status, n] : f.by_status)
    t += " " + (status == 0 ? std::string("no-answer") : std::to_string(status)) + " " +
         std::to_string(n);
  t += "\n";
  if (o.server_pid > 0) {
    t += "server (pid " + std::to_string(o.server_pid) + "): RSS " + rss_text(r.before) +
         " before, " + rss_text(r.open) + " with the connections open, " + rss_text(r.held) +
         " at the end of the hold (peak " + format("%.0f MB", r.peak_rss_mb) + "), " +
         rss_text(r.after) + " after";
    if (auto cpu = cpu_per_heartbeat(r)) t += "; CPU " + format("%.0f us", *cpu) + " per heartbeat";
    t += "\n";
  }
  if (!f.first_error.empty()) t += "first error: " + f.first_error + "\n";
  t += std::string("result: ") + (r.passed() ? "passed" : "FAILED") + "\n";
  return t;
}

}  // namespace spime::devices
