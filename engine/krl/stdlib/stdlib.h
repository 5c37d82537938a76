// The KRL standard library: the operators called as `value.op(args)` (the
// reference's krl-stdlib) and the language-level modules `math`, `time` and
// `random`. Runtime modules (event, ent, ctx, meta, schedule, http) live in
// the pico runtime, not here.
//
// Each group file defines one table; this header is the index of them.
// Lookups are by name at compile time only: the evaluator keeps the Builtin*.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/callable.h"

namespace spime::krl::stdlib {

// Operator tables, one per group file. The first parameter of every operator
// is the receiver (`x` in `x.op(...)`).
const std::vector<Builtin>&
type_operators();  // types.cpp: as, isnull, typeof, klog, defaultsTo, ...
const std::vector<Builtin>& number_operators();  // numbers.cpp: chr, range, sprintf (numbers), ...
const std::vector<Builtin>& string_operators();  // strings.cpp: capitalize, decode, ..., contains
const std::vector<Builtin>& collection_operators();  // collections.cpp: all ... isEmpty, encode

const Module& math_module();    // math.cpp
const Module& time_module();    // time.cpp
const Module& random_module();  // random.cpp

// Parses a time as time:new does (ISO 8601, or a time of today) into
// milliseconds since the epoch; false when it is not a time. `now_ms` (the
// caller's clock) says which day "today" is. For the runtime's `schedule ...
// at` (time.cpp).
bool parse_time(const std::string& text, double* ms_since_epoch, double now_ms);
// Milliseconds since the epoch as JavaScript's Date#toISOString prints them
// ("2026-12-06T05:00:00.000Z"). Throws KrlError (RangeError) outside the
// Date range (time.cpp).
std::string iso_time(double ms_since_epoch);

// Looks an operator up across all groups; nullptr when unknown.
const Builtin* find_operator(std::string_view name);
// math, time or random; nullptr otherwise.
const Module* find_module(std::string_view name);

}  // namespace spime::krl::stdlib
