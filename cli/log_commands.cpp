// `spime violations` and `spime battery`: a collection's threshold
// violations and low-battery alerts, newest first, a page at a time, as
// ruleset spimes_collection shares them:
//   violations(limit, since, until, cursor), battery_alerts(...) ->
//     {"entries": [{"cursor", "time", "entry": {"device_name", "device_id",
//       "sensor_type", "value", "threshold", "direction", "message",
//       "device_timestamp", "received"}}], "next": cursor or null}
//
// --follow watches the collection's live event stream (GET /c/<eci>/stream,
// filtered to the reports that make entries: esproto:threshold_violation or
// esproto:battery_level_low) and, when one comes, reads the entries newer
// than the newest it has printed and prints them (oldest first, as `tail
// -f`), until SIGINT or SIGTERM, or for --follow-for seconds. A report's
// entries are durable before its stream event leaves, so nothing is polled.
// A stream that ends is opened again with its Last-Event-ID (at most
// kMaxReopens times in a row). It takes an entry's cursor as its lasting
// identity: the newest cursor seen marks where the new ones end.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "channels/client/event_stream.h"
#include "cli/arguments.h"
#include "cli/command.h"
#include "cli/engine_client.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

constexpr const char* kCollectionRid = "spimes_collection";
// How long one wait for the stream lasts (signals and --follow-for are seen in between).
constexpr auto kStreamWait = std::chrono::milliseconds(250);
constexpr int kMaxReopens = 5;
// Pages read back per poll to find where the new entries end.
constexpr int kMaxPagesPerPoll = 20;

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) {
  stop_requested = 1;
}

struct LogArgs {
  ClientFlags client;
  std::string collection;
  long limit = 0;  // 0: the engine's default
  std::string since, until, cursor;
  bool follow = false;
  double follow_for = 0;  // seconds; 0: until interrupted
};

json page_args(const LogArgs& a, const std::string& cursor) {
  json args = json::object();
  if (a.limit > 0) args["limit"] = a.limit;
  if (!a.since.empty()) args["since"] = a.since;
  if (!a.until.empty()) args["until"] = a.until;
  if (!cursor.empty()) args["cursor"] = cursor;
  return args;
}

// The columns of one log's table: a title and the entry's field ("time": the
// receipt time of the log entry itself).
struct Column {
  const char* title;
  const char* field;
};
using Columns = std::vector<Column>;

const Columns kViolationColumns = {{"TIME", "time"},           {"DEVICE", "device_name"},
                                   {"SENSOR", "sensor_type"},  {"VALUE", "value"},
                                   {"THRESHOLD", "threshold"}, {"DIRECTION", "direction"},
                                   {"MESSAGE", "message"}};
const Columns kBatteryColumns = {{"TIME", "time"},
                                 {"DEVICE", "device_name"},
                                 {"HEALTH %", "health_percent"},
                                 {"THRESHOLD", "threshold"},
                                 {"DEVICE TIME", "device_timestamp"}};

const Columns& columns_of(const std::string& function) {
  return function == "battery_alerts" ? kBatteryColumns : kViolationColumns;
}

std::vector<std::string> row(const json& item, const Columns& columns) {
  const json e = member(item, "entry");
  std::vector<std::string> cells;
  for (const Column& c : columns) {
    cells.push_back(
        cell(std::string(c.field) == "time" ? member(item, "time") : member(e, c.field)));
  }
  return cells;
}

std::vector<std::string> header(const Columns& columns) {
  std::vector<std::string> titles;
  for (const Column& c : columns) titles.push_back(c.title);
  return titles;
}

json entries_of(const json& page) {
  const json entries = member(page, "entries");
  return entries.is_array() ? entries : json::array();
}

// Prints entries oldest first, one line each (no alignment: more follow).
void print_lines(const std::vector<json>& oldest_first, const Columns& columns, bool as_json) {
  for (const json& item : oldest_first) {
    if (as_json) {
      std::printf("%s\n", item.dump().c_str());
      continue;
    }
    std::string line;
    for (const std::string& c : row(item, columns)) line += (line.empty() ? "" : "  ") + c;
    std::printf("%s\n", line.c_str());
  }
  std::fflush(stdout);
}

class Log {
 public:
  Log(EngineClient& engine, const LogArgs& a, const char* function)
      : engine_(engine), a_(a), function_(function) {}

  Problem page(const std::string& cursor, Answer* out) {
    if (eci_.empty()) {
      if (Problem p = target_eci(engine_, a_.collection, &eci_)) return p;
    }
    *out = engine_.query(eci_, kCollectionRid, function_, page_args(a_, cursor));
    return out->problem;
  }

  Problem once() {
    Answer answer;
    if (Problem p = page(a_.cursor, &answer)) return p;
    if (a_.client.json) {
      std::printf("%s\n", answer.text.c_str());
      return {};
    }
    const Columns& columns = columns_of(function_);
    Table table(header(columns));
    for (const auto& item : entries_of(answer.body)) table.add(row(item, columns));
    table.print();
    const std::string next = text_at(answer.body, "next");
    if (!next.empty()) std::printf("older: --cursor %s\n", next.c_str());
    return {};
  }

  Problem follow() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    using Clock = std::chrono::steady_clock;
    const auto end = a_.follow_for > 0
                         ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(a_.follow_for))
                         : Clock::time_point::max();
    Answer first;
    if (Problem p = page(a_.cursor, &first)) return p;
    json entries = entries_of(first.body);
    if (!entries.empty()) newest_ = text_at(entries[0], "cursor");
    print_lines(std::vector<json>(entries.rbegin(), entries.rend()), columns_of(function_),
                a_.client.json);
    client::Url url;
    std::string bad;
    if (!client::parse_url(engine_.url(), &url, &bad)) return usage(bad);
    client::Options options = engine_.options();  // its CA file and token
    options.timeout = std::chrono::milliseconds(10000);
    client::EventStream stream(url, options);
    const std::string target =
        "/c/" + client::url_encode(eci_) + "/stream?domain=esproto&type=" +
        (std::string(function_) == "battery_alerts" ? "battery_level_low" : "threshold_violation");
    std::string last_id;
    int reopens = 0;
    bool open = false;
    while (!stop_requested && Clock::now() < end) {
      if (!open) {
        if (reopens++ >= kMaxReopens) return refused("the event stream keeps ending: " + bad);
        bad = stream.open(target, last_id);
        if (!bad.empty()) return refused("cannot watch " + a_.collection + ": " + bad);
        open = true;
      }
      const auto wait = std::min<Clock::duration>(kStreamWait, end - Clock::now());
      std::optional<client::SseEvent> ev =
          stream.next(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
      if (!ev) {
        if (stream.ended()) {
          bad = stream.error().empty() ? "closed by the engine" : stream.error();
          open = false;
        } else {
          continue;
        }
      } else {
        if (!ev->id.empty()) last_id = ev->id;
        if (ev->event == "message") reopens = 0;
        // Several reports may come together: one read for all of them.
        while (auto more = stream.next(std::chrono::milliseconds(0))) {
          if (!more->id.empty()) last_id = more->id;
        }
      }
      std::vector<json> fresh;
      if (Problem p = newer(&fresh)) return p;
      print_lines(std::vector<json>(fresh.rbegin(), fresh.rend()), columns_of(function_),
                  a_.client.json);
    }
    return {};
  }

 private:
  // The entries newer than newest_, newest first; moves newest_.
  Problem newer(std::vector<json>* out) {
    std::string cursor;
    for (int pages = 0; pages < kMaxPagesPerPoll; ++pages) {
      Answer answer;
      if (Problem p = page(cursor, &answer)) return p;
      for (const auto& item : entries_of(answer.body)) {
        if (!newest_.empty() && text_at(item, "cursor") == newest_) {
          pages = kMaxPagesPerPoll;
          break;
        }
        out->push_back(item);
      }
      cursor = text_at(answer.body, "next");
      if (cursor.empty()) break;
    }
    if (!out->empty()) newest_ = text_at(out->front(), "cursor");
    return {};
  }

  EngineClient& engine_;
  const LogArgs& a_;
  const char* function_;
  std::string eci_;
  std::string newest_;
};

void add_log_command(CLI::App& app, Outcome* out, const char* name, const char* function,
                     const char* help) {
  auto a = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("collection", a->collection, "the collection (name, path or UI ECI)")
      ->required()
      ->type_name("COLLECTION");
  cmd->add_option("--limit", a->limit, "entries per page")
      ->check(CLI::PositiveNumber)
      ->type_name("N");
  cmd->add_option("--since", a->since, "only entries received at or after TIME (ISO 8601)")
      ->type_name("TIME");
  cmd->add_option("--until", a->until, "only entries received at or before TIME (ISO 8601)")
      ->type_name("TIME");
  cmd->add_option("--cursor", a->cursor, "start after this entry (the `older:` cursor)")
      ->type_name("CURSOR");
  cmd->add_flag("--follow", a->follow,
                "watch the collection's event stream; print new entries as they come");
  cmd->add_option("--follow-for", a->follow_for, "follow for this long, then stop")
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");
  add_client_flags(cmd, &a->client);
  const std::string command = name;
  run_with_engine(cmd, out, command, &a->client, [a, function](EngineClient& engine) {
    Log log(engine, *a, function);
    return a->follow || a->follow_for > 0 ? log.follow() : log.once();
  });
}

}  // namespace

void add_log_commands(CLI::App& app, Outcome* out) {
  add_log_command(app, out, "violations", "violations",
                  "a collection's threshold violations, newest first");
  add_log_command(app, out, "battery", "battery_alerts",
                  "a collection's low-battery alerts, newest first");
}

}  // namespace spime::cli
