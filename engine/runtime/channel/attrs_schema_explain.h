// Explaining why attributes failed a channel's schema: from valijson's
// errors to one short message and the JSON Pointer of the attribute at fault
// ("attribute /temperature: expected a number, got a string"). Used by
// AttrsSchema::validate only (attrs_schema.cpp), after a failed check.
// Pure functions of their arguments; any thread.
#pragma once

#define VALIJSON_USE_EXCEPTIONS 1

#include <string>

#include <valijson/validation_results.hpp>

#include "engine/krl/value.h"
#include "engine/runtime/channel/attrs_schema.h"

namespace spime::runtime::attrs_schema_detail {

// The most specific of `results` (non-empty or not) as a Failure; `schema`
// is the schema as valijson was given it, `attrs` the attributes checked.
AttrsSchema::Failure explain(const valijson::ValidationResults& results, const krl::Value& schema,
                             const krl::Value& attrs);

// What kind of value `v` is, for a message: "a string", "null", ...
std::string value_phrase(const krl::Value& v);

// "attribute /a/b" (the pointer shortened to a readable length), or
// "attributes" for the empty pointer.
std::string subject(const std::string& ptr);

}  // namespace spime::runtime::attrs_schema_detail
