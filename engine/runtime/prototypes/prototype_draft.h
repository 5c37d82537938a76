// PrototypeDraft: one prototype file as written, with where each value
// stands in it, before its `extends` is merged.
//
// yaml_reader.h fills it (keys and types checked, nothing looked up);
// prototype_validate.h then checks and rewrites its values in place
// (policies normalised, tags cleaned, schemas loaded and compiled, rulesets
// resolved to rid and url); prototype_extends.h merges it over its parent
// into a Prototype. An optional field is one the file does not give: merged
// over a parent, the parent's value stays.
//
// Plain values; not shared between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/prototypes/prototype.h"

namespace spime::runtime {

// A value and where it is written.
template <class T>
struct Located {
  T value{};
  SourcePos pos;
};

struct ChannelDraft {
  SourcePos pos;  // the list item
  Located<std::string> name;
  std::optional<Located<std::vector<std::string>>> tags;
  std::optional<Located<krl::Value>> event_policy;
  std::optional<Located<krl::Value>> query_policy;
  // As written: a schema (map or boolean) or {file: PATH}; once validated,
  // the schema itself.
  std::optional<Located<krl::Value>> attrs_schema;
  // {per_second, burst?} as written; once validated, normalised
  // (channel/rate_limit.h: burst set).
  std::optional<Located<krl::Value>> rate_limit;
};

struct RulesetDraft {
  SourcePos pos;  // the list item
  // Exactly one is written; once validated both are set (the rid the url
  // compiles to, or the url the rid is registered from).
  std::optional<Located<std::string>> rid;
  std::optional<Located<std::string>> url;
  std::optional<Located<krl::Map>> config;
};

struct TopicDraft {
  SourcePos pos;  // the list item
  Located<std::string> topic;
  Located<std::string> channel;
  PrototypeTopic value;  // every field, as written
};

struct PrototypeDraft {
  std::string file;      // as errors name it
  std::string base_dir;  // absolute: relative urls and schema files resolve here
  Located<std::string> name;
  std::optional<Located<std::string>> description;
  std::optional<Located<std::string>> extends;
  std::optional<Located<krl::Map>> config;
  std::vector<ChannelDraft> channels;
  std::vector<RulesetDraft> rulesets;
  std::vector<PrototypeEvent> initialization;
  std::vector<PrototypeSubscription> subscriptions;
  std::optional<Located<std::vector<std::string>>> protocols;
  std::optional<SourcePos> mqtt;  // where `mqtt:` is written, when it is
  std::vector<TopicDraft> mqtt_topics;
  std::optional<Located<std::string>> mqtt_instructions;

  PrototypeError error(SourcePos pos, std::string message) const {
    return PrototypeError{file, pos, std::move(message)};
  }
};

}  // namespace spime::runtime
