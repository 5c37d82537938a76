// Reading one prototype file (YAML) into a PrototypeDraft (prototype_draft.h).
//
// What it checks: YAML syntax; one document, a map; every key is one it
// knows (anything else is "unknown key"); every value has its type; the
// required keys are there; `name` is the file's stem; channel names and
// subscription collections and MQTT topics are unique. It looks nothing up (rulesets,
// policies, schemas: prototype_validate.h). The only code that includes
// yaml-cpp.
//
// The keys (see prototype.h for what they mean; [] a list, ? optional):
//   name, description?, extends?, config? (map),
//   channels?[]: name, tags?[], event_policy? (map), query_policy? (map),
//                attrs_schema? (a schema map or boolean, or {file: PATH}),
//                rate_limit? (map: per_second, burst?)
//   rulesets?[]: rid | url (exactly one), config? (map)
//   initialization?[]: domain, type, attributes? (map)
//   subscriptions?[]: collection, collection_role, subscriber_role
//   protocols?[]: http | mqtt (each at most once, at least one)
//   mqtt?: topics?[]: topic, channel, domain, type (topics unique)
// An optional key whose value is empty (null) counts as absent.
//
// Scalars follow YAML 1.2's core schema: a plain scalar is null (~, null,
// nothing), a boolean (true, True, TRUE, false, ...), a number (decimal,
// 0x hexadecimal, 0o octal, with fraction and exponent) or else a string; a
// quoted or block scalar is a string, and so is one tagged !!str. Other tags,
// .inf and .nan (not JSON) are refused. Map keys are strings.
//
// Bounded: at most kMaxPrototypeBytes of text, values nested at most
// kMaxValueDepth deep, at most kMaxValues values (an alias counts its values
// each time it is used).
//
// On error: false, *error = {file, line:col (1-based), message naming the
// key: "channels[0].tags: expected a list, not a map"}; *out is unspecified.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/runtime/prototypes/prototype_draft.h"

namespace spime::runtime {

inline constexpr std::size_t kMaxPrototypeBytes = 1024 * 1024;
inline constexpr int kMaxValueDepth = 64;
inline constexpr std::size_t kMaxValues = 100'000;

// `file` names the file in errors (its stem is the name the prototype must
// have); `base_dir` (absolute) is copied into the draft.
bool read_prototype_yaml(const std::string& file, const std::string& base_dir,
                         std::string_view text, PrototypeDraft* out, PrototypeError* error);

}  // namespace spime::runtime
