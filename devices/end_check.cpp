#include "devices/end_check.h"

#include <map>
#include <mutex>
#include <thread>

#include "devices/parallel.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int kPageLimit = 1000;   // the logs module's largest page
constexpr int kSmallestPage = 25;  // its default, should the ruleset ignore `limit`
constexpr auto kPollPause = std::chrono::milliseconds(250);

Clock::duration settle_time(const SimulateOptions& o) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.settle_seconds));
}

// True when `cursor` is at or before `mark` (this run's entries are after it).
bool at_or_before(const std::string& cursor, const std::string& mark) {
  if (mark.empty()) return false;
  if (cursor == mark) return true;
  const bool numeric = !cursor.empty() && !mark.empty() &&
                       cursor.find_first_not_of("0123456789") == std::string::npos &&
                       mark.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric) return false;
  if (cursor.size() != mark.size()) return cursor.size() < mark.size();
  return cursor <= mark;
}

// The entries of one collection's log newer than `mark`, counted by device
// name; false + *error when a page cannot be read.
bool count_entries(EngineCalls& calls, const Fleet& fleet, const PicoRef& collection,
                   const std::string& mark, std::int64_t max_pages,
                   std::map<std::string, std::int64_t>* by_device, std::string* error) {
  json args = {{"limit", kPageLimit}};
  for (std::int64_t page = 0; page < max_pages; ++page) {
    Reply r = fleet.collection_query(calls, collection, "violations", args);
    if (!r.ok() || !r.body.is_object() || !r.body.value("entries", json()).is_array()) {
      *error = "reading " + collection.name + "'s violations: " + r.describe();
      return false;
    }
    for (const auto& e : r.body.at("entries")) {
      const json cursor = e.is_object() ? e.value("cursor", json()) : json();
      const std::string c = cursor.is_string() ? cursor.get<std::string>() : cursor.dump();
      if (at_or_before(c, mark)) return true;
      const json entry = e.is_object() ? e.value("entry", json::object()) : json::object();
      const json name = entry.is_object() ? entry.value("device_name", json()) : json();
      ++(*by_device)[name.is_string() ? name.get<std::string>() : "(no device_name)"];
    }
    const json next = r.body.value("next", json());
    if (next.is_null() || (next.is_string() && next.get<std::string>().empty())) return true;
    args["cursor"] = next;
  }
  *error = collection.name + "'s violations: more than " + std::to_string(max_pages) +
           " pages, stopped reading";
  return false;
}

}  // namespace

std::vector<std::string> mark_violation_logs(const SimulateOptions& o, const client::Url& url,
                                             const Fleet& fleet, std::string* error) {
  std::vector<std::string> marks(fleet.collections.size());
  std::mutex mu;
  run_parallel(url, o, fleet.collections.size(), [&](std::size_t i, EngineCalls& c) {
    Reply r = fleet.collection_query(c, fleet.collections[i], "violations", {{"limit", 1}});
    if (!r.ok() || !r.body.is_object() || !r.body.value("entries", json()).is_array()) {
      std::lock_guard<std::mutex> lock(mu);
      if (error->empty())
        *error = "marking " + fleet.collections[i].name + "'s log: " + r.describe();
      return false;
    }
    const json& entries = r.body.at("entries");
    if (!entries.empty() && entries[0].is_object()) {
      const json cursor = entries[0].value("cursor", json());
      marks[i] = cursor.is_string() ? cursor.get<std::string>() : cursor.dump();
    }
    return true;
  });
  return marks;
}

CheckResult check_answers(const LoadLoop& loop, bool ride_outages) {
  CheckResult out;
  out.name = "answers";
  std::int64_t expected_v = 0, answered_v = 0, expected_b = 0, answered_b = 0, off = 0;
  std::int64_t good_refused = 0, failed = 0;
  std::string example;
  for (std::size_t d = 0; d < loop.tallies().size(); ++d) {
    const DeviceTally& t = loop.tallies()[d];
    expected_v += t.expected_violations;
    answered_v += t.answered_violations;
    expected_b += t.expected_low_battery;
    answered_b += t.answered_low_battery;
    off += t.answers_off;
    good_refused += t.good_refused;
    failed += t.failed;
    if (example.empty() && (t.answers_off || t.good_refused || t.failed))
      example = device_name(static_cast<int>(d)) + ": " + t.first_problem;
  }
  out.data = {{"expected_violations", expected_v},
              {"violation_directives", answered_v},
              {"expected_low_battery", expected_b},
              {"low_battery_directives", answered_b},
              {"answers_off", off},
              {"good_refused", good_refused},
              {"failed", failed}};
  if (off == 0 && good_refused == 0 && (failed == 0 || ride_outages)) {
    out.state = "passed";
    out.detail = std::to_string(answered_v) + " threshold_violation and " +
                 std::to_string(answered_b) + " battery_level_low directives, as expected";
    if (failed > 0)
      out.detail += "; " + std::to_string(failed) + " without an answer or 5xx (--ride-outages)";
  } else {
    out.state = "failed";
    out.detail = std::to_string(off) + " answers with other directives than expected, " +
                 std::to_string(good_refused) + " good heartbeats refused, " +
                 std::to_string(failed) + " failed (5xx or no answer); first: " + example;
  }
  return out;
}

CheckResult check_malformed(const LoadLoop& loop, bool ride_outages) {
  CheckResult out;
  out.name = "malformed";
  std::int64_t sent = 0, refused = 0, acknowledged = 0;
  std::string example;
  for (std::size_t d = 0; d < loop.tallies().size(); ++d) {
    const DeviceTally& t = loop.tallies()[d];
    sent += t.bad_sent;
    refused += t.bad_refused;
    acknowledged += t.bad_acknowledged;
    if (example.empty() && t.bad_acknowledged)
      example = device_name(static_cast<int>(d)) + ": " + t.first_problem;
  }
  out.data = {{"sent", sent}, {"refused", refused}, {"acknowledged", acknowledged}};
  if (sent == 0) {
    out.detail = "no malformed heartbeat sent";
    return out;
  }
  // With --ride-outages, those the engine never answered (or answered 5xx) pass.
  std::int64_t unanswered = 0;
  if (ride_outages) {
    for (const auto& t : loop.tallies())
      unanswered += t.bad_sent - t.bad_refused - t.bad_acknowledged;
  }
  out.data["unanswered"] = unanswered;
  if (refused + unanswered == sent) {
    out.state = "passed";
    out.detail =
        "all " + std::to_string(refused) + " malformed heartbeats answered were refused (4xx)";
    if (unanswered > 0)
      out.detail +=
          "; " + std::to_string(unanswered) + " without an answer or 5xx (--ride-outages)";
  } else {
    out.state = "failed";
    out.detail = std::to_string(sent - refused) + " of " + std::to_string(sent) +
                 " malformed heartbeats not refused" + (example.empty() ? "" : "; " + example);
  }
  return out;
}

CheckResult check_violations(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                             const std::vector<std::string>& marks, const std::string& mark_error,
                             const LoadLoop& loop) {
  CheckResult out;
  out.name = "violations";
  const int k = static_cast<int>(fleet.collections.size());
  if (k == 0) {
    out.detail = "no collections (--collections 0)";
    return out;
  }
  if (o.ride_outages) {
    out.detail =
        "--ride-outages: the engine may have lost reports on their way to a local "
        "collection when it was killed; the ledger is the check";
    return out;
  }
  if (!mark_error.empty()) {
    out.state = "failed";
    out.detail = mark_error;
    return out;
  }
  // What each collection should hold, and what may be there on top.
  const auto& tallies = loop.tallies();
  std::vector<std::int64_t> expected_in(k, 0), unknown_in(k, 0);
  std::int64_t expected_total = 0;
  for (int d = 0; d < static_cast<int>(tallies.size()); ++d) {
    expected_in[collection_of(d, k)] += tallies[d].expected_violations;
    unknown_in[collection_of(d, k)] += tallies[d].unknown_violations;
    expected_total += tallies[d].expected_violations;
  }
  out.data["expected"] = expected_total;
  if (fleet.collection_profile.max_log_entries) {
    for (int c = 0; c < k; ++c) {
      if (expected_in[c] + unknown_in[c] > *fleet.collection_profile.max_log_entries) {
        out.detail = fleet.collections[c].name + " should log " + std::to_string(expected_in[c]) +
                     " violations but keeps " +
                     std::to_string(*fleet.collection_profile.max_log_entries) +
                     ": fewer devices, hot devices or seconds";
        return out;
      }
    }
  }

  const auto deadline = Clock::now() + settle_time(o);
  for (;;) {
    std::vector<std::map<std::string, std::int64_t>> logged(k);
    std::string error;
    std::mutex mu;
    run_parallel(url, o, k, [&](std::size_t c, EngineCalls& calls) {
      const std::int64_t pages = (expected_in[c] + unknown_in[c]) / kSmallestPage + 10;
      std::string why;
      if (count_entries(calls, fleet, fleet.collections[c], marks[c], pages, &logged[c], &why))
        return true;
      std::lock_guard<std::mutex> lock(mu);
      if (error.empty()) error = why;
      return false;
    });
    if (!error.empty()) {
      out.state = "failed";
      out.detail = error;
      return out;
    }
    // Per device: in its own collection, between expected and expected + unknown.
    std::int64_t logged_total = 0, short_by = 0, over_by = 0, misplaced = 0, others = 0;
    int devices_off = 0;
    std::string example;
    std::map<std::string, int> ours;
    for (int d = 0; d < static_cast<int>(tallies.size()); ++d) ours[device_name(d)] = d;
    for (int c = 0; c < k; ++c) {
      for (const auto& [name, n] : logged[c]) {
        auto it = ours.find(name);
        if (it == ours.end()) {
          others += n;
        } else if (collection_of(it->second, k) != c) {
          misplaced += n;
          if (example.empty()) example = name + " logged in " + fleet.collections[c].name;
        }
      }
    }
    for (int d = 0; d < static_cast<int>(tallies.size()); ++d) {
      const auto& mine = logged[collection_of(d, k)];
      auto it = mine.find(device_name(d));
      const std::int64_t n = it == mine.end() ? 0 : it->second;
      logged_total += n;
      const DeviceTally& t = tallies[d];
      if (n < t.expected_violations) {
        short_by += t.expected_violations - n;
        ++devices_off;
        if (example.empty())
          example = device_name(d) + ": " + std::to_string(n) + " logged, " +
                    std::to_string(t.expected_violations) + " caused";
      } else if (n > t.expected_violations + t.unknown_violations) {
        over_by += n - t.expected_violations - t.unknown_violations;
        ++devices_off;
        if (example.empty())
          example = device_name(d) + ": " + std::to_string(n) + " logged, " +
                    std::to_string(t.expected_violations) + " caused";
      }
    }
    out.data = {{"expected", expected_total}, {"logged", logged_total},
                {"missing", short_by},        {"extra", over_by},
                {"misplaced", misplaced},     {"devices_off", devices_off},
                {"other_entries", others}};
    const bool settled = short_by == 0 && over_by == 0 && misplaced == 0;
    if (settled) {
      out.state = "passed";
      out.detail = std::to_string(logged_total) + " violations logged in " + std::to_string(k) +
                   " collections, per device as caused";
      return out;
    }
    // Reports on their way only add: more than caused will not get better.
    if (over_by > 0 || misplaced > 0 || Clock::now() >= deadline) {
      out.state = "failed";
      out.detail = std::to_string(devices_off) + " devices off (" + std::to_string(short_by) +
                   " missing, " + std::to_string(over_by) + " extra, " + std::to_string(misplaced) +
                   " in another collection); e.g. " + example;
      return out;
    }
    std::this_thread::sleep_for(kPollPause);
  }
}

}  // namespace spime::devices
