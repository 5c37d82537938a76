#include "engine/krl/memory_host.h"

namespace spime::krl {

Value MemoryHost::get_ent(std::string_view rid, std::string_view name) {
  auto it = ents.find(std::make_pair(std::string(rid), std::string(name)));
  return it == ents.end() ? Value() : it->second;
}

void MemoryHost::put_ent(std::string_view rid, std::string_view name, const Value& value) {
  ents[{std::string(rid), std::string(name)}] = value;
}

void MemoryHost::del_ent(std::string_view rid, std::string_view name) {
  ents.erase(std::make_pair(std::string(rid), std::string(name)));
}

void MemoryHost::raise_event(RaisedEvent e) {
  raised.push_back(std::move(e));
}

void MemoryHost::clear_schedule() {
  raised.clear();
}

Value MemoryHost::schedule_event(ScheduledEvent e) {
  scheduled.push_back(std::move(e));
  return Value("schedule-" + std::to_string(scheduled.size()));
}

Value MemoryHost::send_directive(std::string_view name, const Value& options) {
  Value txn = event ? Value(event->eid) : Value();
  Map meta{{"rid", current_rid},
           {"rule_name", current_rule.empty() ? Value() : Value(current_rule)},
           {"txnId", txn}};
  Map d{{"type", "directive"},
        {"name", std::string(name)},
        {"options", options.is_null() ? Value(Map{}) : options},
        {"meta", Value(std::move(meta))}};
  directives.emplace_back(std::move(d));
  return directives.back();
}

void MemoryHost::set_current_rule(std::string_view rid, std::string_view rule_name) {
  current_rid = std::string(rid);
  current_rule = std::string(rule_name);
}

void MemoryHost::log(LogLevel level, std::string_view rid, const std::string& message) {
  logs.push_back({level, std::string(rid), message});
}

}  // namespace spime::krl
