// Running compiled code: lone expressions, ruleset instances (globals,
// queries, provides), select-when leaves and rules.
#include <cmath>
#include <optional>
#include <string>

#include "engine/krl/eval_nodes.h"
#include "engine/krl/regexp.h"

namespace spime::krl {

using detail::Env;
using detail::Frame;

Value CompiledExpression::evaluate(EvalContext& ctx) const {
  detail::EvaluationArena arena(ctx);
  Env env{ctx, std::make_shared<Frame>(nullptr, code_->nslots), code_, nullptr};
  return code_->root->eval(env);
}

Program::Program(std::shared_ptr<const detail::ProgramCode> code) : code_(std::move(code)) {}
const std::string& Program::rid() const {
  return code_->rid;
}
const ProgramMeta& Program::meta() const {
  return code_->meta;
}
bool Program::shareable_globals() const {
  return code_->shareable_globals;
}
const std::vector<RuleInfo>& Program::rules() const {
  return code_->rules;
}
int Program::rule_index(std::string_view name) const {
  for (size_t i = 0; i < code_->rules.size(); ++i) {
    if (code_->rules[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

namespace {

std::shared_ptr<const detail::CodeUnit> unit_of(const std::shared_ptr<const Program>& p) {
  // The ProgramCode lives as long as the Program's shared code pointer; alias
  // it through the Program so closures keep both alive.
  return std::shared_ptr<const detail::CodeUnit>(p, &p->code());
}

}  // namespace

std::shared_ptr<RulesetInstance> RulesetInstance::create(std::shared_ptr<const Program> program,
                                                         const InstanceOptions& options,
                                                         EvalContext& ctx) {
  std::shared_ptr<RulesetInstance> inst(new RulesetInstance());
  inst->arena_ = std::make_unique<detail::FrameArena>();
  detail::UseArena use(ctx, inst->arena_.get());
  inst->program_ = program;
  const detail::ProgramCode& code = program->code();
  inst->globals_ = std::make_shared<Frame>(nullptr, code.nslots);
  Env env{ctx, inst->globals_, unit_of(program), nullptr};
  for (const auto& step : code.init) {
    Value& slot = inst->globals_->slots[static_cast<size_t>(step.slot)];
    try {
      switch (step.kind) {
        case detail::InitStep::Kind::Configure:
          if (const Value* v = options.config.find(step.name)) {
            slot = *v;
          } else {
            slot = step.value->eval(env);
          }
          break;
        case detail::InitStep::Kind::Use: {
          const UseModuleSpec& spec = code.meta.use[step.use_index];
          Map with;
          for (const auto& [k, v] : step.with) with.set(k, v->eval(env));
          if (!options.use_module) throw KrlError("Module not found: " + spec.rid);
          slot = Value(options.use_module(spec, with, ctx));
          break;
        }
        case detail::InitStep::Kind::Declare:
          slot = step.value->eval(env);
          break;
      }
    } catch (KrlError& e) {
      e.set_loc_if_unset(step.loc);
      throw;
    }
  }
  inst->within_.resize(code.rules.size());
  for (size_t i = 0; i < code.rules.size(); ++i) {
    inst->within_[i] = code.rules[i].within_ms;
    const auto& rc = code.rule_code[i];
    if (rc.within_amount) {
      Env renv{ctx, std::make_shared<Frame>(inst->globals_, rc.nslots), env.unit, nullptr};
      Value amount = rc.within_amount->eval(renv);
      double n = 0;
      if (!to_number(amount, &n)) throw KrlError("within needs a number", "TypeError");
      inst->within_[i] = static_cast<std::int64_t>(std::llround(n * rc.within_multiplier));
    }
  }
  return inst;
}

RulesetInstance::~RulesetInstance() {
  // Global closures hold the global frame: break the cycle.
  if (globals_) {
    for (auto& v : globals_->slots) v = Value();
  }
  if (arena_) arena_->release();
}

Value RulesetInstance::query(std::string_view name, const Args& args, EvalContext& ctx) const {
  detail::EvaluationArena arena(ctx);
  const detail::ProgramCode& code = program_->code();
  for (const auto& [shared, slot] : code.shares) {
    if (shared != name) continue;
    const Value& v = globals_->slots[static_cast<size_t>(slot)];
    if (v.is_callable() && v.is_function()) return v.as_function().call(ctx, args);
    return v;
  }
  throw KrlError("Ruleset " + code.rid + " does not have query function \"" + std::string(name) +
                 "\"");
}

Map RulesetInstance::provides() const {
  Map m;
  for (const auto& [name, slot] : program_->code().provides) {
    m.set(name, globals_->slots[static_cast<size_t>(slot)]);
  }
  return m;
}

std::optional<std::int64_t> RulesetInstance::within_ms(size_t rule_index) const {
  return rule_index < within_.size() ? within_[rule_index] : std::nullopt;
}

bool RulesetInstance::match_leaf(size_t rule_index, int leaf, const Value& attrs,
                                 const Map& bindings_so_far, Map* new_bindings,
                                 EvalContext& ctx) const {
  const auto& rc = program_->code().rule_code.at(rule_index);
  const auto& lc = rc.leaves.at(static_cast<size_t>(leaf));
  std::vector<Value> matches;
  std::vector<std::optional<std::string>> groups;
  for (const auto& a : lc.attrs) {
    const Value* v = attrs.is_map() ? attrs.as_map().find(a.key) : nullptr;
    std::string s = !v ? std::string() : v->is_string() ? v->as_string() : to_string(*v);
    groups.clear();
    if (!regexp_search(a.regexp.as_regexp(), s, &groups)) return false;
    for (size_t j = 1; j < groups.size(); ++j) {
      matches.push_back(groups[j] ? Value(*groups[j]) : Value());
    }
  }
  Map bound;
  for (size_t i = 0; i < lc.setting.size(); ++i) {
    bound.set(lc.setting[i].first, i < matches.size() ? matches[i] : Value());
  }
  for (size_t i = 0; i < lc.aggregate.size(); ++i) {
    bound.set(lc.aggregate[i].first, i < matches.size() ? matches[i] : Value());
  }
  if (lc.where) {
    detail::EvaluationArena arena(ctx);
    auto frame = std::make_shared<Frame>(globals_, rc.nslots);
    for (const auto& [name, slot] : rc.select_vars) {
      if (const Value* v = bound.find(name)) {
        frame->slots[static_cast<size_t>(slot)] = *v;
      } else if (const Value* w = bindings_so_far.find(name)) {
        frame->slots[static_cast<size_t>(slot)] = *w;
      }
    }
    Env env{ctx, frame, unit_of(program_), nullptr};
    if (!truthy(lc.where->eval(env))) return false;
  }
  if (new_bindings) *new_bindings = std::move(bound);
  return true;
}

namespace {

// foreach pairs as the reference's toPairs: arrays by index, maps by key.
std::vector<std::pair<Value, Value>> to_pairs(const Value& v) {
  std::vector<std::pair<Value, Value>> out;
  if (v.is_array()) {
    const Array& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) out.emplace_back(Value(static_cast<double>(i)), a[i]);
  } else if (v.is_map()) {
    for (const auto& [k, val] : v.as_map()) out.emplace_back(Value(k), val);
  }
  return out;
}

void run_body(const detail::RuleCode& rc, Env& env) {
  for (const auto& d : rc.pre) {
    env.frame->slots[static_cast<size_t>(d.slot)] = d.value->eval(env);
  }
  bool fired = rc.action_block ? rc.action_block->exec(env) : true;
  env.rule->fired = fired;
  if (fired) env.rule->any_fired = true;
  if (fired) {
    detail::exec_block(rc.fired, env);
  } else {
    detail::exec_block(rc.notfired, env);
  }
  if (env.rule->stop) return;
  detail::exec_block(rc.always, env);
}

void run_foreach(const detail::RuleCode& rc, size_t level, Env& env) {
  if (level == rc.foreach.size()) {
    run_body(rc, env);
    return;
  }
  const auto& fe = rc.foreach[level];
  auto pairs = to_pairs(fe.expression->eval(env));
  bool outer_final = env.rule->foreach_final;
  ++env.rule->foreach_depth;
  for (size_t i = 0; i < pairs.size() && !env.rule->stop; ++i) {
    env.ctx.step();
    if (fe.setting_slots.size() > 0)
      env.frame->slots[static_cast<size_t>(fe.setting_slots[0])] = pairs[i].second;
    if (fe.setting_slots.size() > 1)
      env.frame->slots[static_cast<size_t>(fe.setting_slots[1])] = pairs[i].first;
    env.rule->foreach_final = outer_final && i + 1 == pairs.size();
    run_foreach(rc, level + 1, env);
  }
  --env.rule->foreach_depth;
  env.rule->foreach_final = outer_final;
}

}  // namespace

RuleOutcome RulesetInstance::run_rule(size_t rule_index, const Map& select_bindings,
                                      EvalContext& ctx) const {
  const detail::ProgramCode& code = program_->code();
  const auto& rc = code.rule_code.at(rule_index);
  if (!code.rules[rule_index].active || !code.rules[rule_index].select) return {};
  detail::EvaluationArena arena(ctx);
  detail::RuleState state;
  state.rule_name = rc.name;
  Env env{ctx, std::make_shared<Frame>(globals_, rc.nslots), unit_of(program_), &state};
  for (const auto& [name, slot] : rc.select_vars) {
    if (const Value* v = select_bindings.find(name))
      env.frame->slots[static_cast<size_t>(slot)] = *v;
  }
  struct CurrentRule {
    Host* host;
    CurrentRule(Host* h, const std::string& rid, const std::string& name) : host(h) {
      if (host) host->set_current_rule(rid, name);
    }
    ~CurrentRule() {
      if (host) host->set_current_rule("", "");
    }
  } current(ctx.host, code.rid, rc.name);
  run_foreach(rc, 0, env);
  return RuleOutcome{state.any_fired, state.last};
}

}  // namespace spime::krl
