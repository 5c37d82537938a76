// JavaScript semantics the string, math and time built-ins share: JS's
// ToNumber (as Math.abs or lodash's toNumber apply it), Math.round, and the
// UTF-16 view of strings JS operators index by (substr, ord, capitalize).
//
// KRL strings are UTF-8; JS strings are UTF-16 code units. Converting a
// UTF-16 sequence with a lone surrogate back to UTF-8 yields U+FFFD there.
#pragma once

#include <string>
#include <string_view>

#include "engine/krl/value.h"

namespace spime::krl::stdlib {

// JS ToNumber(v): null -> 0, booleans -> 0/1, strings as Number(s), an array
// as the number its join(",") text reads as ([] -> 0, [5] -> 5, [1,2] -> NaN),
// maps, regexps and functions -> NaN.
double js_to_number(const Value& v);

// JS Math.round: nearest integer, halves toward +Infinity.
double js_math_round(double x);

// UTF-8 <-> UTF-16. Invalid UTF-8 bytes read as U+FFFD.
std::u16string utf8_to_utf16(std::string_view s);
std::string utf16_to_utf8(std::u16string_view s);

// Bytes -> valid UTF-8, each invalid sequence replaced by U+FFFD (as Node's
// Buffer#toString("utf8") does).
std::string sanitize_utf8(std::string_view bytes);

// JS's WhiteSpace and LineTerminator (what String#trim and /\s/ remove).
bool is_js_space(char16_t c);

}  // namespace spime::krl::stdlib
