// Test helpers that make KRL values of the kinds JSON cannot write: a
// function or action (that does nothing) and a regular expression.
#pragma once

#include <memory>
#include <string_view>

#include "engine/krl/callable.h"
#include "engine/krl/regexp.h"
#include "engine/krl/value.h"

namespace spime::krl::testutil {

class DummyFunction final : public Function {
 public:
  explicit DummyFunction(Kind k) : Function(k) {}
  std::string_view name() const override { return "dummy"; }
  Value call(EvalContext&, const Args&) const override { return Value(); }
};

inline Value fn(Function::Kind k = Function::Kind::Function) {
  return Value(std::shared_ptr<const Function>(std::make_shared<DummyFunction>(k)));
}

inline Value re(const char* src, const char* flags = "") {
  return Value(make_regexp(src, flags));
}

}  // namespace spime::krl::testutil
