// Validating one prototype file against the engine, before anything of it
// is used: every value must be one the engine would accept when it makes
// the pico.
//
//  * channels: the name is a channel tag as written ([a-z0-9_-], not
//    "system"); tags clean as channel tags (channel_policy.h clean_tags);
//    event_policy / query_policy have exactly the shape a channel takes
//    (parse_event_policy / parse_query_policy; absent: nothing allowed, set
//    when merged); attrs_schema compiles (AttrsSchema::compile), read first
//    from {file: PATH} (relative to the file's folder) when it is that;
//    rate_limit is {per_second, burst?} (channel/rate_limit.h);
//  * rulesets: a rid must be registered; a url (a path: relative to the
//    file's folder, made a file:// url) must compile through the registry,
//    under its source policy (the engine's ruleset confinement); each rid at
//    most once;
//  * mqtt.topics: each topic is a pattern (topic_pattern.h). That its
//    channel exists and that protocols list mqtt is checked once merged
//    over the parent (prototype_extends.h).
// On success the draft's values are rewritten in place: policies
// normalised, tags cleaned, the schema loaded, rid and url both set.
//
// Loading (spime serve) and checking (POST /api/prototypes/check, an
// uploaded text from any client) differ: a check registers nothing and
// fetches nothing: an http(s) url must already be registered, a file:// url
// is compiled without being registered, and schema files are read only
// where the source policy lets rulesets be read, or under the prototypes
// folder.
//
// On error: false and *error, "file:line:col: message" naming the key
// ("rulesets[1].rid: no ruleset \"x\" is registered").
//
// Thread-safety: as the registry (any thread); loading may register rulesets.
#pragma once

#include <string>

#include "engine/runtime/prototypes/prototype_draft.h"

namespace spime::runtime {

class RulesetRegistry;

struct PrototypeChecks {
  RulesetRegistry* registry = nullptr;  // never null
  bool checking = false;                // a check of an uploaded text (above)
  std::string prototypes_dir;           // absolute; schema files there may be read when checking
};

bool validate_prototype(PrototypeDraft* draft, const PrototypeChecks& checks,
                        PrototypeError* error);

}  // namespace spime::runtime
