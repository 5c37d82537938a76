// ctx:entityVariables(maxVariables, maxValueBytes) (ours; the reference has
// no such function): the pico's entity variables, every ruleset's, grouped
// by ruleset, for the engine UI ruleset's `entvars` query to show them.
//
// Answers {"rulesets": [{"rid", "variables": [{"name", "value"} or, for a
// value whose JSON is longer than maxValueBytes, {"name", "truncated": true,
// "json": <its first maxValueBytes bytes>, "bytes": <whole length, when
// known>}]}], "more": <true when variables were left out>, "maxVariables",
// "maxValueBytes"}: the bounded listing of records/entity_listing.h (at
// most 256 variables, values cut at 16 KiB: larger or missing arguments use
// those), by rid then name; rulesets without variables are not listed.
//
// Only io.picolabs.pico-engine-ui may call it (KrlError otherwise): a
// ruleset's entity variables are its own in KRL, and the engine's UI
// ruleset answers for the pico's owner alone (its channel policy decides
// which channels reach the query). Read-only: fine in a query.
#pragma once

#include "engine/krl/callable.h"

namespace spime::runtime {

krl::Value ctx_entity_variables(krl::EvalContext& ctx, const krl::BoundArgs& args);

}  // namespace spime::runtime
