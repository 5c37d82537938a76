// Test helpers for the string operators and the math/time/random modules:
// call a built-in by name with positional (or named) arguments.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/krl/callable.h"
#include "engine/krl/stdlib/stdlib.h"
#include "engine/krl/value.h"

namespace spime::krl::testutil {

inline const Builtin& string_op(const std::string& name) {
  for (const Builtin& b : stdlib::string_operators()) {
    if (name == b.name) return b;
  }
  FAIL("no string operator " << name);
  throw 0;
}

inline Value call_builtin(EvalContext& ctx, const Builtin& b, std::vector<Value> positional,
                          std::vector<std::pair<std::string, Value>> named = {}) {
  Args args;
  args.positional = std::move(positional);
  args.named = std::move(named);
  return b.fn(ctx, bind_args(b.params, args));
}

inline const Builtin& member(const Module& m, const std::string& name) {
  const Builtin* b = m.find(name);
  if (!b) FAIL("no member " << m.name << ":" << name);
  return *b;
}

inline Array arr(std::initializer_list<Value> v) {
  return Array(v);
}

}  // namespace spime::krl::testutil
