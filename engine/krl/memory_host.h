// A complete in-memory Host: entity variables in maps, and vectors that
// record what KRL did (directives, raised and scheduled events, logs,
// `last`). Used by tests, `spime krl eval` and the offline runner.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/krl/host.h"

namespace spime::krl {

class MemoryHost : public Host {
 public:
  struct LogEntry {
    LogLevel level;
    std::string rid;
    std::string message;
  };

  Value get_ent(std::string_view rid, std::string_view name) override;
  void put_ent(std::string_view rid, std::string_view name, const Value& value) override;
  void del_ent(std::string_view rid, std::string_view name) override;
  void raise_event(RaisedEvent event) override;
  void clear_schedule() override;
  Value schedule_event(ScheduledEvent event) override;
  Value send_directive(std::string_view name, const Value& options) override;
  void stop_rule_selection() override { last = true; }
  void set_current_rule(std::string_view rid, std::string_view rule_name) override;
  const std::string& running_rid() const override { return current_rid; }
  void set_running_rid(const std::string& rid) override { current_rid = rid; }
  const CurrentEvent* current_event() const override { return event ? &*event : nullptr; }
  void log(LogLevel level, std::string_view rid, const std::string& message) override;

  // State and records, public for inspection.
  std::map<std::pair<std::string, std::string>, Value, std::less<>> ents;  // (rid, name)
  std::vector<RaisedEvent> raised;
  std::vector<ScheduledEvent> scheduled;
  std::vector<Value> directives;
  std::vector<LogEntry> logs;
  std::optional<CurrentEvent> event;
  std::string current_rid, current_rule;
  bool last = false;
};

}  // namespace spime::krl
