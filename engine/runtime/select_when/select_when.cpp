// SelectWhen: compiling specs, feeding events (a port of select-when's
// stmMatcher/evalExpr and `within`, krl-stdlib's aggregateEvent, and the
// krl-compiler's leaf matcher and rule-body `setting` handling), and the
// per-pico state's JSON form.
//
// The state is the reference's rule.state object:
//   {"states": [names...], "setting": {var: value}, "aggregates": {var: [values]},
//    "starttime": ms}
// or null (JavaScript `undefined`: the initial state).
#include "engine/runtime/select_when/select_when.h"

#include <algorithm>
#include <cmath>

#include "engine/runtime/select_when/select_when_program.h"

namespace spime::runtime {

using select_when_detail::BuildError;
using select_when_detail::Expr;
using select_when_detail::kEnd;
using select_when_detail::kStart;
using select_when_detail::Leaf;
using select_when_detail::Program;

SelectSpec SelectSpec::event(std::string domain, std::string name, LeafMatcher matcher) {
  SelectSpec s;
  s.kind = Kind::Event;
  s.domain = std::move(domain);
  s.name = std::move(name);
  s.matcher = std::move(matcher);
  return s;
}

SelectSpec SelectSpec::op(Kind kind, std::vector<SelectSpec> args, int n) {
  SelectSpec s;
  s.kind = kind;
  s.args = std::move(args);
  s.n = n;
  return s;
}

namespace {

// The reference's rule.state; `defined` false is JavaScript's undefined.
struct RuleState {
  bool defined = false;
  std::vector<int> states;
  krl::Map setting;
  krl::Map aggregates;
  std::optional<double> starttime;

  // A leaf whose matcher failed returns {match: false} with no state: the
  // reference then carries on with `undefined`.
  void wipe() { *this = RuleState(); }
  bool in(int state) const {
    return std::find(states.begin(), states.end(), state) != states.end();
  }
};

bool name_matches(const std::string& pattern, const std::string& value) {
  return pattern == "*" || pattern == value;
}

// krl.toNumberOrNull(v) || 0
double to_float(const krl::Value& v) {
  double n = 0;
  if (!krl::to_number(v, &n)) return 0;
  return n;
}

krl::Value aggregate_values(const std::string& op, const krl::Array& vals) {
  if (op == "push") return krl::Value(vals);
  if (op == "max" || op == "min") {
    double best = to_float(vals.front());
    for (const krl::Value& v : vals) {
      double n = to_float(v);
      if (op == "max" ? n > best : n < best) best = n;
    }
    return krl::Value(best);
  }
  double sum = 0;
  for (const krl::Value& v : vals) sum += to_float(v);
  if (op == "sum") return krl::Value(sum);
  return krl::Value(sum / static_cast<double>(vals.size()));  // avg
}

// krl-stdlib aggregateEvent: values restart when the machine is at start and
// slide (drop the oldest) when it is at end (repeat).
void aggregate_event(RuleState& st, const Aggregator& agg, const krl::Array& captures) {
  const bool is_start = st.in(kStart);
  const bool is_end = st.in(kEnd);
  krl::Map new_aggregates;
  krl::Map new_setting;
  for (std::size_t i = 0; i < agg.vars.size(); ++i) {
    const std::string& name = agg.vars[i];
    krl::Value value = i < captures.size() ? captures[i] : krl::Value();
    krl::Array vals;
    const krl::Value* old = st.aggregates.find(name);
    if (old != nullptr && old->is_array()) vals = old->as_array();
    if (is_start) {
      vals = krl::Array{value};
    } else if (is_end) {
      vals.push_back(value);
      vals.erase(vals.begin());
    } else {
      vals.push_back(value);
    }
    new_setting.set(name, aggregate_values(agg.op, vals));
    new_aggregates.set(name, krl::Value(std::move(vals)));
  }
  st.defined = true;
  st.aggregates = std::move(new_aggregates);
  for (const auto& [k, v] : new_setting) st.setting.set(k, v);
}

class Evaluator {
 public:
  Evaluator(const Program& p, const SelectEvent& ev) : p_(p), ev_(ev) {}

  // evalExpr: Or chains are walked iteratively (then's fallbacks nest deeply).
  bool eval(int expr_id, RuleState& st) const {
    for (;;) {
      const Expr& e = p_.exprs[expr_id];
      switch (e.kind) {
        case Expr::Kind::Leaf:
          return eval_leaf(p_.leaves[e.a], st);
        case Expr::Kind::Not:
          return !eval(e.a, st);
        case Expr::Kind::And:
          if (!eval(e.a, st)) return false;
          expr_id = e.b;
          continue;
        case Expr::Kind::Or:
          if (eval(e.a, st)) return true;
          expr_id = e.b;
          continue;
      }
      return false;
    }
  }

 private:
  const Program& p_;
  const SelectEvent& ev_;

  // The compiled EventExpression function: matcher (regexps, where), then
  // aggregator, then the setting vars merged into the state.
  bool eval_leaf(const Leaf& leaf, RuleState& st) const {
    if (!name_matches(leaf.domain, ev_.domain) || !name_matches(leaf.name, ev_.name)) {
      return false;
    }
    if (!leaf.has_fn()) return true;
    krl::Array captures;
    if (leaf.matcher && !leaf.matcher(ev_, st.setting, &captures)) {
      st.wipe();
      return false;
    }
    if (leaf.aggregator) aggregate_event(st, *leaf.aggregator, captures);
    if (!leaf.setting.empty()) {
      st.defined = true;
      for (std::size_t i = 0; i < leaf.setting.size(); ++i) {
        st.setting.set(leaf.setting[i], i < captures.size() ? captures[i] : krl::Value());
      }
    }
    return true;
  }
};

RuleState decode_state(const Program& p, const krl::Value& v) {
  RuleState st;
  if (!v.is_map()) return st;  // null, or corrupt: initial
  const krl::Map& m = v.as_map();
  st.defined = true;
  if (const krl::Value* states = m.find("states"); states != nullptr && states->is_array()) {
    for (const krl::Value& s : states->as_array()) {
      if (!s.is_string()) continue;
      auto it = p.state_index.find(s.as_string());
      if (it != p.state_index.end() && !st.in(it->second)) st.states.push_back(it->second);
    }
  }
  if (const krl::Value* s = m.find("setting"); s != nullptr && s->is_map())
    st.setting = s->as_map();
  if (const krl::Value* a = m.find("aggregates"); a != nullptr && a->is_map()) {
    st.aggregates = a->as_map();
  }
  if (const krl::Value* t = m.find("starttime"); t != nullptr && t->is_number()) {
    st.starttime = t->as_number();
  }
  return st;
}

// The state to persist; null when it behaves exactly as the initial state.
krl::Value encode_state(const Program& p, RuleState st) {
  if (!st.defined) return krl::Value();
  if (!p.within_ms) {
    // Without `within`, states with no way out (end, unless repeat) are
    // dropped on the next event anyway.
    st.states.erase(
        std::remove_if(st.states.begin(), st.states.end(), [&](int s) { return p.out[s].empty(); }),
        st.states.end());
  }
  bool at_start = st.states.empty() || (st.states.size() == 1 && st.states[0] == kStart);
  if (at_start && st.setting.empty() && st.aggregates.empty() && !st.starttime) {
    return krl::Value();
  }
  krl::Array names;
  names.reserve(st.states.size());
  for (int s : st.states) names.emplace_back(p.state_names[s]);
  krl::Map m;
  m.set("states", krl::Value(std::move(names)));
  if (!st.setting.empty()) m.set("setting", krl::Value(std::move(st.setting)));
  if (!st.aggregates.empty()) m.set("aggregates", krl::Value(std::move(st.aggregates)));
  if (st.starttime) m.set("starttime", krl::Value(*st.starttime));
  return krl::Value(std::move(m));
}

void print_json_string(const std::string& s, std::string* out) {
  *out += krl::encode_json(krl::Value(s));
}

}  // namespace

SelectWhen::SelectWhen(std::unique_ptr<select_when_detail::Program> program)
    : program_(std::move(program)) {}
SelectWhen::~SelectWhen() = default;

std::unique_ptr<SelectWhen> SelectWhen::compile(SelectSpec spec,
                                                std::optional<std::int64_t> within_ms,
                                                std::string* error) {
  auto prog = std::make_unique<Program>();
  try {
    select_when_detail::build_program(spec, prog.get());
  } catch (const BuildError& e) {
    if (error != nullptr) *error = e.what();
    return nullptr;
  }
  if (prog->out[kStart].empty()) {
    if (error != nullptr) *error = "select when expression has no start transition";
    return nullptr;
  }
  prog->within_ms = within_ms;

  // Stateless: one step from start to end, nothing accumulated, no clock.
  bool one_step = true;
  for (std::size_t s = 0; s < prog->out.size(); ++s) {
    for (const auto& [expr, to] : prog->out[s]) {
      if (s != static_cast<std::size_t>(kStart) || to != kEnd) one_step = false;
    }
  }
  prog->stateful = within_ms.has_value() || !one_step || !prog->select_vars.empty();
  return std::unique_ptr<SelectWhen>(new SelectWhen(std::move(prog)));
}

const std::vector<std::pair<std::string, std::string>>& SelectWhen::event_types() const {
  return program_->event_types;
}

bool SelectWhen::salient(const std::string& domain, const std::string& name) const {
  for (const auto& [d, n] : program_->event_types) {
    if (name_matches(d, domain) && name_matches(n, name)) return true;
  }
  return false;
}

const std::vector<std::string>& SelectWhen::select_vars() const {
  return program_->select_vars;
}

bool SelectWhen::stateful() const {
  return program_->stateful;
}

SelectWhen::Result SelectWhen::feed(const SelectEvent& event, const krl::Value& state) const {
  const Program& p = *program_;
  Result r;
  r.new_state = state;
  if (!salient(event.domain, event.name)) return r;
  Evaluator eval(p, event);

  if (!p.stateful) {
    // Every transition goes start -> end and touches no state: whichever
    // matches selects. All are still evaluated, as the reference does.
    RuleState scratch;
    for (const auto& [expr, to] : p.out[kStart]) {
      if (eval.eval(expr, scratch)) r.selected = true;
    }
    return r;
  }

  RuleState st = decode_state(p, state);

  if (p.within_ms) {
    // SelectWhen.within: restart when the window since starttime has passed.
    const double now = static_cast<double>(event.time_ms);
    double starttime = st.defined && st.starttime && *st.starttime != 0 ? *st.starttime : now;
    std::vector<int> states = st.defined ? st.states : std::vector<int>{};
    if (now - starttime > static_cast<double>(*p.within_ms)) {
      states = {kStart};
      st.setting = krl::Map();  // RuleSelect's onTimeout: setting = {}
    }
    if (std::find(states.begin(), states.end(), kStart) != states.end()) starttime = now;
    st.defined = true;
    st.states = std::move(states);
    st.starttime = starttime;
  }

  // stmMatcher
  std::vector<int> current;
  for (int s : st.states) {
    if (!p.out[s].empty()) current.push_back(s);
  }
  if (current.empty()) current.push_back(kStart);
  st.defined = true;
  st.states = current;
  std::vector<int> matches;
  for (int cstate : current) {
    for (const auto& [expr, to] : p.out[cstate]) {
      if (eval.eval(expr, st) && std::find(matches.begin(), matches.end(), to) == matches.end()) {
        matches.push_back(to);
      }
    }
  }
  if (std::find(matches.begin(), matches.end(), kEnd) != matches.end()) {
    r.selected = true;
    st.defined = true;
    st.states = {kEnd};
  } else if (!matches.empty()) {
    st.defined = true;
    st.states = std::move(matches);
  }

  if (r.selected && !p.select_vars.empty()) {
    // The rule body reads its select vars from state.setting, then clears it.
    for (const std::string& v : p.select_vars) {
      const krl::Value* value = st.setting.find(v);
      // A branch that did not match leaves its variables undefined (as JS).
      r.bindings.set(v, value != nullptr ? *value : krl::Value::undefined());
    }
    st.defined = true;
    st.setting = krl::Map();
  }

  krl::Value next = encode_state(p, std::move(st));
  if (!krl::equal(next, state)) {
    r.new_state = std::move(next);
    r.state_changed = true;
  }
  return r;
}

std::string SelectWhen::describe() const {
  const Program& p = *program_;
  std::vector<int> fn_order;  // leaf ids with a function, in order of appearance
  std::function<void(int, std::string*)> print = [&](int id, std::string* out) {
    const Expr& e = p.exprs[id];
    switch (e.kind) {
      case Expr::Kind::Leaf: {
        const Leaf& leaf = p.leaves[e.a];
        std::string key = leaf.domain + ":" + leaf.name;
        if (leaf.has_fn()) {
          auto it = std::find(fn_order.begin(), fn_order.end(), e.a);
          if (it == fn_order.end()) it = fn_order.insert(fn_order.end(), e.a);
          key += ":fn" + std::to_string(it - fn_order.begin());
        }
        print_json_string(key, out);
        return;
      }
      case Expr::Kind::Not:
        *out += "[\"not\",";
        print(e.a, out);
        *out += "]";
        return;
      case Expr::Kind::Or:
      case Expr::Kind::And:
        *out += e.kind == Expr::Kind::Or ? "[\"or\"," : "[\"and\",";
        print(e.a, out);
        *out += ",";
        print(e.b, out);
        *out += "]";
        return;
    }
  };
  // Order as compile(): start, s0, s1, ..., end.
  std::vector<int> order{kStart};
  for (std::size_t s = 2; s < p.state_names.size(); ++s) order.push_back(static_cast<int>(s));
  order.push_back(kEnd);
  std::string out = "{";
  bool first_state = true;
  for (int s : order) {
    if (p.out[s].empty()) continue;
    if (!first_state) out += ",";
    first_state = false;
    print_json_string(p.state_names[s], &out);
    out += ":[";
    bool first = true;
    for (const auto& [expr, to] : p.out[s]) {
      if (!first) out += ",";
      first = false;
      out += "[";
      print(expr, &out);
      out += ",";
      print_json_string(p.state_names[to], &out);
      out += "]";
    }
    out += "]";
  }
  out += "}";
  return out;
}

std::optional<std::int64_t> SelectWhen::within_ms(const krl::Value& amount,
                                                  const std::string& unit) {
  static const std::pair<const char*, double> kPeriods[] = {
      {"second", 1000.0},
      {"minute", 1000.0 * 60},
      {"hour", 1000.0 * 60 * 60},
      {"day", 1000.0 * 60 * 60 * 24},
      {"week", 1000.0 * 60 * 60 * 24 * 7},
      {"month", 1000.0 * 60 * 60 * 24 * 30},
      {"year", 1000.0 * 60 * 60 * 24 * 365},
  };
  auto lookup = [&](const std::string& u) -> std::optional<double> {
    for (const auto& [name, ms] : kPeriods) {
      if (u == name) return ms;
    }
    return std::nullopt;
  };
  std::optional<double> multiplier = lookup(unit);
  if (!multiplier && !unit.empty() && (unit.back() == 's' || unit.back() == 'S')) {
    multiplier = lookup(unit.substr(0, unit.size() - 1));
  }
  // JavaScript's `amount * multiplier`, for the values where KRL's number
  // coercion agrees with it.
  double n = 0;
  if (!(amount.is_number() || amount.is_string() || amount.is_null() || amount.is_bool()) ||
      !krl::to_number(amount, &n)) {
    return std::nullopt;
  }
  double ms = n * multiplier.value_or(1.0);
  if (!std::isfinite(ms) || std::fabs(ms) > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(ms));
}

std::string SelectWhen::encode_record(const krl::Value& state) {
  return krl::encode_json(state);
}

krl::Value SelectWhen::decode_record(const std::string& json) {
  krl::Value v;
  std::string error;
  if (!krl::parse_json(json, &v, &error) || !v.is_map()) return krl::Value();
  return v;
}

}  // namespace spime::runtime
