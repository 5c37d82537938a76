// The infix and prefix operators of KRL expressions, with the reference's
// coercions (krl-stdlib's "+", "==", "<", "like", "cmp", "<=>", "><", ...).
// The evaluator calls these directly; they throw KrlError (TypeError) where
// the reference throws.
#pragma once

#include "engine/krl/value.h"

namespace spime::krl::stdlib {

// `+`: adds when both are numbers (null and booleans do not count as numbers);
// otherwise concatenates to_string(a) + to_string(b) ("[Array]", "[Map]").
Value op_add(const Value& a, const Value& b);
// `-`, `*`, `/`, `%`: numeric after to_number(); TypeError naming the
// operands when one is not numeric, as the reference. Division by zero as JS.
Value op_sub(const Value& a, const Value& b);
Value op_mul(const Value& a, const Value& b);
Value op_div(const Value& a, const Value& b);
Value op_mod(const Value& a, const Value& b);
// Unary minus.
Value op_neg(const Value& a);
// `==` / `!=` (deep, via equal()).
bool op_eq(const Value& a, const Value& b);
// `<=>` numeric-or-string comparison and `cmp` string comparison: -1, 0, 1.
int op_spaceship(const Value& a, const Value& b);
int op_cmp(const Value& a, const Value& b);
// `<`, `>`, `<=`, `>=` via op_spaceship.
bool op_lt(const Value& a, const Value& b);
bool op_gt(const Value& a, const Value& b);
bool op_le(const Value& a, const Value& b);
bool op_ge(const Value& a, const Value& b);
// `like`: a is matched against regexp b (a string b is compiled).
bool op_like(const Value& a, const Value& b);
// `><` (has): array contains (deep equal) / map has key / string contains.
bool op_has(const Value& a, const Value& b);

}  // namespace spime::krl::stdlib
