// Callables: KRL functions and actions, built-in operators and modules, and
// the evaluation context every call receives.
//
// A Function value is anything KRL can call: a closure made by the evaluator,
// a built-in operator (`x.length()`), a module member (`math:floor(x)`,
// `event:attr("a")`), or an action. Calls receive arguments as the reference
// does: positional and named; built-ins bind them to their parameter names
// with bind_args (the reference's krlNamedArgs).
//
// Built-ins are plain function pointers registered in tables (one table per
// stdlib group, Lua's luaL_Reg style): adding an operator is one row there.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/error.h"
#include "engine/krl/limits.h"
#include "engine/krl/value.h"

namespace spime::krl {

class Host;  // runtime services (entity variables, events, ...); see host.h
namespace detail {
class FrameArena;  // eval_nodes.h
}  // namespace detail

// Arguments as written at a call site: `f(1, 2, name = 3)`.
struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> named;
};

enum class LogLevel { Debug, Info, Warn, Error };

// Per-evaluation state: limits, step and depth counters, and the services a
// call may need. One EvalContext serves one top-level evaluation (an event
// schedule or a query) on one thread; it is not shared between threads.
struct EvalContext {
  Limits limits;
  std::uint64_t steps = 0;
  int depth = 0;
  Host* host = nullptr;  // null when evaluating without a pico (krl eval, tests)
  // Where klog and log statements go; null discards.
  std::function<void(LogLevel, const std::string&)> log;
  // Source of randomness for `sample`, random:* and math functions, made on
  // first use only (most evaluations never need it). Its seed comes from a
  // per-thread generator the OS seeds once: a std::random_device per
  // evaluation cost microseconds each (a trap to the hypervisor on VMs; 7 %
  // of the engine's CPU under heartbeats, BENCHMARKS.md).
  std::optional<std::mt19937_64> rng_state;
  std::mt19937_64& rng() {
    if (!rng_state) rng_state.emplace(fresh_seed());
    return *rng_state;
  }
  static std::uint64_t fresh_seed() {
    thread_local std::mt19937_64 seeds = [] {
      std::random_device os;
      std::seed_seq seq{os(), os(), os(), os()};
      return std::mt19937_64(seq);
    }();
    return seeds();
  }

  // Where the evaluator records the frames closures capture, so that the
  // cycles they form are broken when the evaluation that made them ends
  // (eval_nodes.h, FrameArena). Set and restored by the evaluator's entry
  // points only; null outside them.
  detail::FrameArena* frame_arena = nullptr;

  // Set by whoever runs the evaluation to stop it from another thread (the
  // engine stopping): the next step() throws KrlError(kInterruptedMessage).
  // Null: never interrupted.
  const std::atomic<bool>* interrupt = nullptr;
  static constexpr const char* kInterruptedMessage = "evaluation interrupted";
  bool interrupted() const {
    return interrupt != nullptr && interrupt->load(std::memory_order_relaxed);
  }

  // The wall-clock budget (Limits::time_budget): the evaluation gives up at
  // the first check past `deadline`. The clock is read once per
  // kWorkPerClockCheck units of work, not at every step: a step counts one
  // unit, and operations whose cost grows with their input (copying a map to
  // put one key in it, building a long string) charge() theirs, so one
  // check is never more than a few milliseconds of work away.
  using Clock = std::chrono::steady_clock;
  static constexpr std::int64_t kWorkPerClockCheck = 256;
  Clock::time_point deadline = Clock::time_point::max();
  std::int64_t work_before_check = kWorkPerClockCheck;
  // Set when the budget ended the evaluation (the runtime answers it apart
  // from other rule errors); stays set, and every later check throws again.
  bool over_budget = false;

  // Starts the budget now; 0 ms: none.
  void start_budget(std::chrono::milliseconds budget) {
    limits.time_budget = budget;
    deadline = budget.count() > 0 ? Clock::now() + budget : Clock::time_point::max();
  }

  // Counts one evaluation step; throws KrlError when the step budget or the
  // time budget is spent or the evaluation is interrupted.
  void step() {
    if (++steps > limits.max_steps) {
      throw KrlError("evaluation step limit exceeded (" + std::to_string(limits.max_steps) +
                     " steps)");
    }
    if (interrupted()) throw KrlError(kInterruptedMessage);
    if (--work_before_check <= 0) check_clock();
  }

  // Counts `units` of work done outside steps (about one per element copied
  // or 64 bytes written); may throw as step() does.
  void charge(std::size_t units) {
    work_before_check -= static_cast<std::int64_t>(std::min<std::size_t>(units, 1u << 30));
    if (work_before_check <= 0) check_clock();
  }

  // Reads the clock: throws KrlError naming the budget when it is spent.
  void check_clock();
};

// Anything KRL can call.
class Function {
 public:
  enum class Kind : std::uint8_t { Function, Action, ActionFunction };

  explicit Function(Kind kind) : kind_(kind) {}
  virtual ~Function() = default;
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;

  Kind kind() const { return kind_; }
  // A name for error messages and klog ("map", "my_function", "<anonymous>").
  virtual std::string_view name() const = 0;
  // Calls it. Errors are thrown as KrlError.
  virtual Value call(EvalContext& ctx, const Args& args) const = 0;

 private:
  Kind kind_;
};

// Arguments bound to a built-in's parameter list (the reference's krlNamedArgs):
// positional arguments fill parameters in order (extra ones are dropped);
// a named argument goes to the parameter of that name. size() is the length of
// the bound list, as the reference's `arguments.length` would be: missing
// trailing parameters are absent; missing ones in the middle read as null.
constexpr int kMaxBuiltinParams = 8;
class BoundArgs {
 public:
  int size() const { return n_; }
  const Value& operator[](int i) const {
    static const Value kNull;
    return i < n_ ? v_[i] : kNull;
  }
  bool has(int i) const { return i < n_ && !v_[i].is_null(); }
  void push(Value v) { v_[n_++] = std::move(v); }
  void set(int i, Value v) {
    while (n_ <= i) v_[n_++] = Value();
    v_[i] = std::move(v);
  }

 private:
  Value v_[kMaxBuiltinParams];
  int n_ = 0;
};

using BuiltinFn = Value (*)(EvalContext& ctx, const BoundArgs& args);

// One built-in operator or module member.
struct Builtin {
  const char* name;
  std::vector<const char*> params;  // parameter names, in order
  BuiltinFn fn;
  Function::Kind kind = Function::Kind::Function;
  // A property is read without a call: `event:attrs`, `time:now` is not one.
  bool is_property = false;
};

// Binds call-site arguments to `params` as described at BoundArgs.
BoundArgs bind_args(const std::vector<const char*>& params, const Args& args);
BoundArgs bind_args(const std::vector<const char*>& params, const Value* positional, size_t n);

// A table of built-ins: the stdlib operators, or one module (math, time, ...).
struct Module {
  std::string name;
  std::vector<Builtin> members;
  // nullptr when absent.
  const Builtin* find(std::string_view member) const;
};

// A Function value wrapping a Builtin (for passing `math:floor` around or
// returning a built-in from a module lookup).
Value make_builtin_function(const Builtin* b);

// Calls a KRL function value with positional arguments (for stdlib operators
// such as map/filter/sort that call back into KRL). Throws a TypeError
// "<value> is not a function" when `f` is not callable as a function.
Value call_function(EvalContext& ctx, const Value& f, std::vector<Value> args);

}  // namespace spime::krl
