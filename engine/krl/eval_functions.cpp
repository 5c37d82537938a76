// Closures (functions and defactions), calls, actions and action blocks.
#include <algorithm>
#include <string>
#include <utility>

#include "engine/krl/eval_nodes.h"

namespace spime::krl::detail {
namespace {

// Counts call depth for the lifetime of one call.
struct DepthGuard {
  EvalContext& ctx;
  explicit DepthGuard(EvalContext& c) : ctx(c) {
    if (ctx.depth >= ctx.limits.max_call_depth) {
      throw KrlError("Maximum call stack size exceeded (limit " +
                         std::to_string(ctx.limits.max_call_depth) + " nested calls)",
                     "RangeError");
    }
    ++ctx.depth;
  }
  ~DepthGuard() { --ctx.depth; }
};

class Closure final : public Function {
 public:
  Closure(const FunctionCode* code, std::shared_ptr<Frame> frame,
          std::shared_ptr<const CodeUnit> unit)
      : Function(code->is_action ? Kind::Action : Kind::Function),
        code_(code),
        frame_(std::move(frame)),
        unit_(std::move(unit)) {}

  std::string_view name() const override { return code_->name; }

  Value call(EvalContext& ctx, const Args& args) const override {
    DepthGuard guard(ctx);
    ctx.step();
    // A module's function (or a closure of another ruleset passed in) runs
    // as its own ruleset: ctx:rid & co. name the ruleset that wrote it.
    Host* host = ctx.host;
    if (host && unit_ && !unit_->rid.empty() && host->running_rid() != unit_->rid) {
      RunAs as(*host, unit_->rid);
      return run(ctx, args);
    }
    return run(ctx, args);
  }

 private:
  // Switches the host's running ruleset for as long as it lives.
  class RunAs {
   public:
    RunAs(Host& host, const std::string& rid) : host_(host), previous_(host.running_rid()) {
      host_.set_running_rid(rid);
    }
    ~RunAs() { host_.set_running_rid(previous_); }
    RunAs(const RunAs&) = delete;
    RunAs& operator=(const RunAs&) = delete;

   private:
    Host& host_;
    std::string previous_;
  };

  Value run(EvalContext& ctx, const Args& args) const {
    Env env{ctx, std::make_shared<Frame>(frame_, code_->nslots), unit_, nullptr};
    bind_params(env, args);
    for (const auto& d : code_->body)
      env.frame->slots[static_cast<size_t>(d.slot)] = d.value->eval(env);
    if (!code_->is_action) return code_->result ? code_->result->eval(env) : Value();
    if (code_->action_block) code_->action_block->exec(env);
    if (code_->returns.empty()) return Value();
    if (code_->returns.size() == 1) return code_->returns[0]->eval(env);
    Array out;
    for (const auto& r : code_->returns) out.push_back(r->eval(env));
    return Value(std::move(out));
  }

  // The reference's krlNamedArgs, then defaults (evaluated in the call's
  // frame, so a default may use earlier parameters) for missing/null ones.
  void bind_params(Env& env, const Args& args) const {
    auto& slots = env.frame->slots;
    const auto& params = code_->params;
    if (args.named.empty()) {
      size_t n = std::min(params.size(), args.positional.size());
      for (size_t i = 0; i < n; ++i) slots[i] = args.positional[i];
    } else {
      for (size_t i = 0; i < params.size(); ++i) {
        bool found = false;
        for (const auto& [k, v] : args.named) {
          if (k == params[i].name) {
            slots[i] = v;
            found = true;
          }
        }
        if (!found && i < args.positional.size()) slots[i] = args.positional[i];
      }
    }
    for (size_t i = 0; i < params.size(); ++i) {
      if (slots[i].is_null() && params[i].default_value) {
        slots[i] = params[i].default_value->eval(env);
      }
    }
  }

  const FunctionCode* code_;
  std::shared_ptr<Frame> frame_;
  std::shared_ptr<const CodeUnit> unit_;  // keeps code_ alive
};

Value builtin_noop(EvalContext&, const BoundArgs&) {
  return Value();
}

Value builtin_send_directive(EvalContext& ctx, const BoundArgs& a) {
  if (!ctx.host) throw KrlError("send_directive is not available outside a pico");
  return ctx.host->send_directive(to_string(a[0]), a[1]);
}

const std::vector<Builtin>& builtin_actions() {
  static const std::vector<Builtin> table = {
      {"noop", {}, builtin_noop, Function::Kind::ActionFunction},
      {"send_directive", {"name", "options"}, builtin_send_directive, Function::Kind::Action},
  };
  return table;
}

}  // namespace

const Builtin* find_builtin_action(std::string_view name) {
  for (const auto& b : builtin_actions()) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

void FrameArena::capture(const std::shared_ptr<Frame>& frame) {
  // A frame that makes several closures (or one in a loop) is recorded once.
  if (!captured_.empty() && !captured_.back().owner_before(frame) &&
      !frame.owner_before(captured_.back())) {
    return;
  }
  if (captured_.size() >= compact_at_) {
    // Calls that made a closure and returned leave expired entries: drop
    // them, so the list grows with the frames alive, not with every call.
    captured_.erase(std::remove_if(captured_.begin(), captured_.end(),
                                   [](const std::weak_ptr<Frame>& w) { return w.expired(); }),
                    captured_.end());
    compact_at_ = std::max<size_t>(64, captured_.size() * 2);
  }
  captured_.push_back(frame);
}

void FrameArena::release() {
  std::vector<std::weak_ptr<Frame>> captured = std::move(captured_);
  captured_.clear();
  compact_at_ = 64;
  for (const auto& w : captured) {
    if (std::shared_ptr<Frame> frame = w.lock()) {
      for (Value& v : frame->slots) v = Value();
    }
  }
}

Value make_closure(const FunctionCode* code, std::shared_ptr<Frame> frame,
                   std::shared_ptr<const CodeUnit> unit) {
  return Value(std::shared_ptr<const Function>(
      std::make_shared<Closure>(code, std::move(frame), std::move(unit))));
}

Value call_value(EvalContext& ctx, const Value& f, const Args& args) {
  if (!f.is_function()) throw type_error(to_string(f) + " is not a function");
  return f.as_function().call(ctx, args);
}

Value call_builtin(EvalContext& ctx, const Builtin* b, const Args& args) {
  return b->fn(ctx, bind_args(b->params, args));
}

void ActionCode::exec(Env& env) const {
  env.ctx.step();
  Value f = callee->eval(env);
  Args a = args.eval(env, nullptr);
  Value result;
  try {
    if (!f.is_action()) throw type_error(to_string(f) + " is not an action");
    result = f.as_function().call(env.ctx, a);
  } catch (KrlError& e) {
    e.set_loc_if_unset(loc);
    throw;
  }
  if (setting_slot >= 0) env.frame->slots[static_cast<size_t>(setting_slot)] = std::move(result);
}

bool ActionBlockCode::exec(Env& env) const {
  bool fired = condition ? truthy(condition->eval(env)) : true;
  if (!fired) return false;
  switch (type) {
    case ast::ActionBlock::Type::Every:
      for (const auto& a : actions) a.exec(env);
      break;
    case ast::ActionBlock::Type::Sample:
      if (!actions.empty()) {
        std::uniform_int_distribution<size_t> pick(0, actions.size() - 1);
        actions[pick(env.ctx.rng())].exec(env);
      }
      break;
    case ast::ActionBlock::Type::Choose: {
      // A JS switch: the discriminant must be the label string itself.
      Value d = discriminant ? discriminant->eval(env) : Value();
      if (!d.is_string()) break;
      for (const auto& a : actions) {
        if (a.label && *a.label == d.as_string()) {
          a.exec(env);
          break;
        }
      }
      break;
    }
  }
  return true;
}

}  // namespace spime::krl::detail
