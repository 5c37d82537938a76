// Argument binding, module lookup and calling KRL function values (see
// callable.h).
#include "engine/krl/callable.h"

#include <algorithm>
#include <cstring>

namespace spime::krl {

void EvalContext::check_clock() {
  work_before_check = kWorkPerClockCheck;
  if (deadline == Clock::time_point::max()) return;
  if (!over_budget && Clock::now() < deadline) return;
  over_budget = true;
  work_before_check = 0;  // every later step checks, and throws, again
  throw KrlError("time budget exceeded: the evaluation ran past " +
                 std::to_string(limits.time_budget.count()) + " ms (time_budget)");
}

BoundArgs bind_args(const std::vector<const char*>& params, const Args& args) {
  if (args.named.empty()) {
    return bind_args(params, args.positional.data(), args.positional.size());
  }
  // With named arguments the reference receives an object {0: a, 1: b, name: c}:
  // each parameter takes its named argument, else the positional one at its
  // index; gaps before a filled parameter read as null.
  BoundArgs out;
  const size_t n = std::min(params.size(), static_cast<size_t>(kMaxBuiltinParams));
  for (size_t i = 0; i < n; ++i) {
    const Value* found = nullptr;
    for (const auto& [name, value] : args.named) {
      if (name == params[i]) found = &value;  // a repeated name: the last one wins
    }
    if (!found && i < args.positional.size()) found = &args.positional[i];
    if (found) out.set(static_cast<int>(i), *found);
  }
  return out;
}

BoundArgs bind_args(const std::vector<const char*>& params, const Value* positional, size_t n) {
  BoundArgs out;
  const size_t count = std::min({params.size(), n, static_cast<size_t>(kMaxBuiltinParams)});
  for (size_t i = 0; i < count; ++i) out.push(positional[i]);
  return out;
}

const Builtin* Module::find(std::string_view member) const {
  for (const Builtin& b : members) {
    if (member == b.name) return &b;
  }
  return nullptr;
}

namespace {

// A Builtin as a KRL value. The Builtin lives in a static table.
class BuiltinFunction final : public Function {
 public:
  explicit BuiltinFunction(const Builtin* b) : Function(b->kind), b_(b) {}
  std::string_view name() const override { return b_->name; }
  Value call(EvalContext& ctx, const Args& args) const override {
    return b_->fn(ctx, bind_args(b_->params, args));
  }

 private:
  const Builtin* b_;
};

// Counts one level of KRL call depth for the lifetime of a call.
class DepthGuard {
 public:
  explicit DepthGuard(EvalContext& ctx) : ctx_(ctx) {
    if (ctx_.depth >= ctx_.limits.max_call_depth) {
      throw KrlError("maximum call depth exceeded (" + std::to_string(ctx_.limits.max_call_depth) +
                         " nested calls)",
                     "RangeError");
    }
    ++ctx_.depth;
  }
  ~DepthGuard() { --ctx_.depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  EvalContext& ctx_;
};

}  // namespace

Value make_builtin_function(const Builtin* b) {
  return Value(std::shared_ptr<const Function>(std::make_shared<BuiltinFunction>(b)));
}

Value call_function(EvalContext& ctx, const Value& f, std::vector<Value> args) {
  if (!f.is_function()) throw type_error(to_string(f) + " is not a function");
  DepthGuard guard(ctx);
  Args a;
  a.positional = std::move(args);
  return f.as_function().call(ctx, a);
}

}  // namespace spime::krl
