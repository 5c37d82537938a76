// Fuzz target: channel policies and attribute schemas (engine/runtime/channel/).
//
// Input: "<JSON>\n<JSON>". The first value is read as an event policy, a
// query policy, a list of tags and an attribute schema; the second is
// checked against them: as attributes against the schema (when it
// compiled), and its first two strings (or "a" and "b") as the
// domain/name and rid/name a policy lets through or not. A policy that
// parses must also survive to_value() and parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/channel/attrs_schema.h"
#include "engine/runtime/channel/channel_policy.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using spime::krl::Value;

std::string string_at(const Value& v, std::size_t i, const char* otherwise) {
  if (v.is_array() && i < v.as_array().size() && v.as_array()[i].is_string()) {
    return v.as_array()[i].as_string();
  }
  return otherwise;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime::runtime;
  const auto [first, second] = spime::fuzz::split_first(spime::fuzz::as_text(data, size), '\n');
  Value config, probe;
  std::string error;
  if (!spime::krl::parse_json(first, &config, &error)) return 0;
  if (!spime::krl::parse_json(second, &probe, &error)) probe = Value();
  const std::string a = string_at(probe, 0, "a"), b = string_at(probe, 1, "b");

  EventPolicy events;
  if (parse_event_policy(config, &events, &error)) {
    (void)check_event(events, a, b);
    EventPolicy again;
    if (!parse_event_policy(to_value(events), &again, &error)) std::abort();
  }
  QueryPolicy queries;
  if (parse_query_policy(config, &queries, &error)) {
    (void)check_query(queries, a, b);
    QueryPolicy again;
    if (!parse_query_policy(to_value(queries), &again, &error)) std::abort();
  }
  std::vector<std::string> tags;
  (void)clean_tags(config, &tags, &error);
  (void)check_family(a, b);

  if (auto schema = AttrsSchema::compile(config, &error)) (void)schema->validate(probe);
  return 0;
}
