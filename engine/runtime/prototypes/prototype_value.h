// A resolved prototype as KRL and JSON see it: the one place that shape is
// made (prototypes:get, GET /api/prototypes, GET /api/prototypes/NAME, and
// what the wrangler reads to make a pico).
//
//   {"name", "description" ("" when none), "extends" (the parent's name or
//    null), "config": {...},
//    "channels": [{"name", "tags" (channel_tags: its tags and its name),
//                  "event_policy", "query_policy", "attrs_schema" (only when
//                  it has one: the schema itself, also when the file named
//                  it by {file: PATH}), "rate_limit" (only when it has one:
//                  {"per_second", "burst"})}],
//    "rulesets": [{"rid", "url" (resolved), "config" (effective_config: the
//                  prototype's config merged with the ruleset's own)}],
//    "initialization": [{"domain", "type", "attributes"}],
//    "subscriptions": [{"collection", "collection_role", "subscriber_role"}],
//    "protocols": ["http", "mqtt"] (as written; ["http"] when none are),
//    "mqtt": {"topics": [{"topic" (the pattern), "filter" (its MQTT
//             subscription, topic_pattern.h), "channel", "domain", "type"}]}}
// Keys are the YAML's, in that order; everything is after `extends`.
//
// Thread-safety: a pure function; the value is immutable and may be shared.
#pragma once

#include "engine/krl/value.h"
#include "engine/runtime/prototypes/prototype.h"

namespace spime::runtime {

krl::Value prototype_value(const Prototype& p);

}  // namespace spime::runtime
