#include "engine/runtime/select_when/select_bridge.h"

#include <utility>
#include <vector>

namespace spime::runtime {

namespace {

thread_local const krl::RulesetInstance* t_instance = nullptr;
thread_local krl::EvalContext* t_ctx = nullptr;

using Kind = krl::ast::EventExpr::Kind;

SelectSpec::Kind spec_kind(Kind k) {
  switch (k) {
    case Kind::Event:
      return SelectSpec::Kind::Event;
    case Kind::Or:
      return SelectSpec::Kind::Or;
    case Kind::And:
      return SelectSpec::Kind::And;
    case Kind::Before:
      return SelectSpec::Kind::Before;
    case Kind::Then:
      return SelectSpec::Kind::Then;
    case Kind::After:
      return SelectSpec::Kind::After;
    case Kind::Between:
      return SelectSpec::Kind::Between;
    case Kind::NotBetween:
      return SelectSpec::Kind::NotBetween;
    case Kind::Any:
      return SelectSpec::Kind::Any;
    case Kind::Count:
      return SelectSpec::Kind::Count;
    case Kind::Repeat:
      return SelectSpec::Kind::Repeat;
  }
  return SelectSpec::Kind::Event;
}

// The matcher of one leaf: RulesetInstance::match_leaf gives name -> capture
// for the leaf's setting and aggregator vars; the select-when engine wants
// the captures by position (setting[i] = captures[i], aggregator vars[i] =
// captures[i]), so the names are turned back into positions.
LeafMatcher leaf_matcher(size_t rule_index, int leaf, std::vector<std::string> setting,
                         std::vector<std::string> agg_vars) {
  return [rule_index, leaf, setting = std::move(setting), agg_vars = std::move(agg_vars)](
             const SelectEvent& event, const krl::Map& so_far, krl::Array* captures) {
    if (!t_instance || !t_ctx) throw krl::KrlError("select when evaluated outside of a pico");
    krl::Map bound;
    if (!t_instance->match_leaf(rule_index, leaf, event.attrs, so_far, &bound, *t_ctx)) {
      return false;
    }
    size_t n = std::max(setting.size(), agg_vars.size());
    for (size_t i = 0; i < n; ++i) {
      const krl::Value* v = nullptr;
      if (i < setting.size()) v = bound.find(setting[i]);
      if (!v && i < agg_vars.size()) v = bound.find(agg_vars[i]);
      captures->push_back(v ? *v : krl::Value());
    }
    return true;
  };
}

SelectSpec to_spec(const krl::SelectTree& t, size_t rule_index,
                   const krl::SelectTree::Aggregator* parent_agg) {
  if (t.kind == Kind::Event) {
    SelectSpec s = SelectSpec::event(t.domain, t.type);
    s.setting = t.setting;
    const krl::SelectTree::Aggregator* agg = t.aggregator ? &*t.aggregator : parent_agg;
    std::vector<std::string> agg_vars;
    if (agg) {
      s.aggregator = Aggregator{agg->op, agg->args};
      agg_vars = agg->args;
    }
    // A plain `domain type` leaf binds nothing and always matches: no matcher.
    if (t.needs_matcher) {
      s.matcher = leaf_matcher(rule_index, t.leaf, t.setting, std::move(agg_vars));
    }
    return s;
  }
  std::vector<SelectSpec> args;
  // Our parser puts a count/repeat aggregator on the group node; the
  // reference (and the select-when engine) keep it on the grouped event.
  const krl::SelectTree::Aggregator* agg = t.aggregator ? &*t.aggregator : nullptr;
  for (const auto& a : t.args) args.push_back(to_spec(a, rule_index, agg));
  return SelectSpec::op(spec_kind(t.kind), std::move(args), t.n);
}

}  // namespace

LeafEvalScope::LeafEvalScope(const krl::RulesetInstance& instance, krl::EvalContext& ctx)
    : prev_instance_(t_instance), prev_ctx_(t_ctx) {
  t_instance = &instance;
  t_ctx = &ctx;
}

LeafEvalScope::~LeafEvalScope() {
  t_instance = prev_instance_;
  t_ctx = prev_ctx_;
}

std::shared_ptr<const SelectWhen> compile_rule_select(const krl::SelectTree& tree,
                                                      size_t rule_index,
                                                      std::optional<std::int64_t> within_ms,
                                                      std::string* error) {
  std::unique_ptr<SelectWhen> sw =
      SelectWhen::compile(to_spec(tree, rule_index, nullptr), within_ms, error);
  return std::shared_ptr<const SelectWhen>(std::move(sw));
}

}  // namespace spime::runtime
