// Builds the state machine of a `select when` expression: a port of
// select-when 0.1.9's expressions.js (one function per operator) and
// StateMachine (concat / join / clone / optimize / compile).
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "engine/runtime/select_when/select_when_program.h"

namespace spime::runtime::select_when_detail {
namespace {

struct Transition {
  int from;
  int on;  // expr id
  int to;
};

struct Machine {
  int start = 0;
  int end = 0;
  std::vector<Transition> ts;
};

using Kind = SelectSpec::Kind;

class Builder {
 public:
  explicit Builder(Program* prog) : prog_(prog) {}

  Machine build(const SelectSpec& spec, int depth) {
    if (depth > kMaxSpecDepth) throw BuildError("select when expression nested too deeply");
    if (spec.kind == Kind::Event) return leaf_machine(spec);
    if ((spec.kind == Kind::Count || spec.kind == Kind::Repeat) && spec.aggregator) {
      // The AST keeps the aggregator on count/repeat; the reference compiles
      // it into the leaf's matcher.
      if (spec.args.size() != 1 || spec.args[0].kind != Kind::Event) {
        throw BuildError("an aggregator needs a single event expression");
      }
      if (spec.args[0].aggregator) throw BuildError("an event has at most one aggregator");
      SelectSpec moved = spec;
      moved.args[0].aggregator = std::move(moved.aggregator);
      moved.aggregator.reset();
      return build(moved, depth);
    }

    std::vector<Machine> args;
    args.reserve(spec.args.size());
    for (const SelectSpec& a : spec.args) args.push_back(build(a, depth + 1));

    switch (spec.kind) {
      case Kind::Or:
        need_args(spec, 1, "or");
        return or_machine(args);
      case Kind::And:
        need_args(spec, 1, "and");
        return and_machine(args);
      case Kind::Before:
        need_args(spec, 1, "before");
        return chain_machine(args, /*reverse=*/false);
      case Kind::After:
        need_args(spec, 1, "after");
        return chain_machine(args, /*reverse=*/true);
      case Kind::Then:
        need_args(spec, 1, "then");
        return then_machine(args);
      case Kind::Between:
        if (args.size() != 3) throw BuildError("between expects 3 event expressions");
        return between_machine(args[0], args[1], args[2]);
      case Kind::NotBetween:
        if (args.size() != 3) throw BuildError("not between expects 3 event expressions");
        return not_between_machine(args[0], args[1], args[2]);
      case Kind::Any:
        if (spec.n <= 0 || static_cast<std::size_t>(spec.n) >= args.size()) {
          throw BuildError(
              "`any(num, ...eventexs)` expects num to be greater than 0 and less than the "
              "number of eventexs");
        }
        return any_machine(spec.n, args);
      case Kind::Count:
      case Kind::Repeat: {
        const char* what = spec.kind == Kind::Count ? "count" : "repeat";
        if (args.size() != 1) {
          throw BuildError(std::string(what) + " expects exactly 1 event expression");
        }
        if (spec.n <= 0) {
          throw BuildError(std::string(what) + " expects n to be a positive integer, got " +
                           std::to_string(spec.n));
        }
        return spec.kind == Kind::Count ? count_machine(spec.n, args[0])
                                        : repeat_machine(spec.n, args[0]);
      }
      case Kind::Event:
        break;
    }
    throw BuildError("unknown select when expression kind");
  }

  int intern(Expr::Kind kind, int a, int b) {
    auto key = std::make_tuple(static_cast<int>(kind), a, b);
    auto it = expr_ids_.find(key);
    if (it != expr_ids_.end()) return it->second;
    int id = static_cast<int>(prog_->exprs.size());
    prog_->exprs.push_back(Expr{kind, a, b});
    expr_ids_.emplace(key, id);
    return id;
  }

  // Renames states and orders transitions as StateMachine.compile(): start and
  // end keep their names, others become s0, s1, ... in order of first use;
  // transitions are stably sorted start first, then s0, s1, ..., end last.
  void finish(const Machine& m) {
    prog_->state_names = {"start", "end"};
    std::map<int, int> out_index{{m.start, kStart}, {m.end, kEnd}};
    auto to_out = [&](int s) {
      auto it = out_index.find(s);
      if (it != out_index.end()) return it->second;
      int idx = static_cast<int>(prog_->state_names.size());
      prog_->state_names.push_back("s" + std::to_string(idx - 2));
      out_index.emplace(s, idx);
      return idx;
    };
    struct Out {
      int from, on, to;
    };
    std::vector<Out> outs;
    outs.reserve(m.ts.size());
    for (const Transition& t : m.ts) {
      int from = to_out(t.from);
      int to = to_out(t.to);
      outs.push_back({from, t.on, to});
    }
    auto score = [](int idx) {
      if (idx == kStart) return -1.0;
      if (idx == kEnd) return 1e18;
      return static_cast<double>(idx - 2);
    };
    std::stable_sort(outs.begin(), outs.end(),
                     [&](const Out& x, const Out& y) { return score(x.from) < score(y.from); });
    prog_->out.assign(prog_->state_names.size(), {});
    for (const Out& o : outs) prog_->out[o.from].emplace_back(o.on, o.to);
    for (std::size_t i = 0; i < prog_->state_names.size(); ++i) {
      prog_->state_index.emplace(prog_->state_names[i], static_cast<int>(i));
    }
  }

 private:
  Program* prog_;
  int next_state_ = 0;
  std::map<std::tuple<int, int, int>, int> expr_ids_;
  std::map<std::pair<std::string, std::string>, int> plain_leaves_;

  static void need_args(const SelectSpec& spec, std::size_t n, const char* what) {
    if (spec.args.size() < n) {
      throw BuildError(std::string(what) + " expects at least " + std::to_string(n) +
                       " event expression" + (n == 1 ? "" : "s"));
    }
  }

  Machine fresh() {
    Machine m;
    m.start = next_state_++;
    m.end = next_state_++;
    return m;
  }

  static void add(Machine& m, int from, int on, int to) {
    if (m.ts.size() >= kMaxTransitions) {
      throw BuildError("select when expression is too large (over " +
                       std::to_string(kMaxTransitions) + " state machine transitions)");
    }
    m.ts.push_back(Transition{from, on, to});
  }

  static void concat(Machine& s, const Machine& other) {
    for (const Transition& t : other.ts) add(s, t.from, t.on, t.to);
  }

  // Renames state a to b everywhere in s.
  static void join(Machine& s, int a, int b) {
    for (Transition& t : s.ts) {
      if (t.from == a) t.from = b;
      if (t.to == a) t.to = b;
    }
  }

  Machine clone(const Machine& m) {
    Machine c = fresh();
    std::map<int, int> map{{m.start, c.start}, {m.end, c.end}};
    auto state = [&](int s) {
      auto it = map.find(s);
      if (it != map.end()) return it->second;
      int n = next_state_++;
      map.emplace(s, n);
      return n;
    };
    for (const Transition& t : m.ts) {
      int from = state(t.from);
      int to = state(t.to);
      add(c, from, t.on, to);
    }
    return c;
  }

  // The set of (from, on) pairs leading into `state` (getStateInputSignature).
  static std::vector<std::pair<int, int>> input_signature(const Machine& s, int state) {
    std::vector<std::pair<int, int>> sig;
    for (const Transition& t : s.ts) {
      if (t.to == state) sig.emplace_back(t.from, t.on);
    }
    std::sort(sig.begin(), sig.end());
    sig.erase(std::unique(sig.begin(), sig.end()), sig.end());
    return sig;
  }

  // StateMachine.optimize(): while the same (from, on) leads to different
  // states with identical inputs, join them; then drop duplicate transitions,
  // regrouping them by event, then source, then target (insertion order).
  static void optimize(Machine& s) {
    for (std::size_t pass = 0; pass <= s.ts.size() + 1; ++pass) {
      std::vector<std::pair<int, int>> to_join;
      std::map<std::pair<int, int>, int> grouped;
      for (const Transition& t : s.ts) {
        auto [it, inserted] = grouped.emplace(std::make_pair(t.from, t.on), t.to);
        if (!inserted && it->second != t.to) to_join.emplace_back(t.to, it->second);
      }
      bool joined = false;
      for (auto [a, b] : to_join) {
        if (input_signature(s, a) != input_signature(s, b)) continue;
        if ((a == s.start && b == s.end) || (a == s.end && b == s.start)) continue;
        join(s, a, b);
        joined = true;
      }
      if (!joined) break;
    }
    // Dedupe, grouped as the reference's tree[on][from][to].
    std::vector<int> ons;
    std::map<int, std::vector<int>> froms;                // on -> froms in order
    std::map<std::pair<int, int>, std::vector<int>> tos;  // (on, from) -> tos in order
    for (const Transition& t : s.ts) {
      if (froms.find(t.on) == froms.end()) ons.push_back(t.on);
      std::vector<int>& f = froms[t.on];
      if (std::find(f.begin(), f.end(), t.from) == f.end()) f.push_back(t.from);
      std::vector<int>& to = tos[{t.on, t.from}];
      if (std::find(to.begin(), to.end(), t.to) == to.end()) to.push_back(t.to);
    }
    std::vector<Transition> out;
    out.reserve(s.ts.size());
    for (int on : ons) {
      for (int from : froms[on]) {
        for (int to : tos[{on, from}]) out.push_back(Transition{from, on, to});
      }
    }
    s.ts = std::move(out);
  }

  Machine leaf_machine(const SelectSpec& spec) {
    Leaf leaf;
    leaf.domain = spec.domain.empty() ? "*" : spec.domain;
    leaf.name = spec.name.empty() ? "*" : spec.name;
    leaf.matcher = spec.matcher;
    leaf.setting = spec.setting;
    leaf.aggregator = spec.aggregator;
    if (leaf.aggregator && !known_aggregator(leaf.aggregator->op)) {
      throw BuildError("unknown aggregator `" + leaf.aggregator->op +
                       "` (expected max, min, sum, avg or push)");
    }
    note_event_type(leaf.domain, leaf.name);
    for (const std::string& v : leaf.setting) note_select_var(v);
    if (leaf.aggregator) {
      for (const std::string& v : leaf.aggregator->vars) note_select_var(v);
    }

    int leaf_id;
    if (!leaf.has_fn()) {
      auto key = std::make_pair(leaf.domain, leaf.name);
      auto it = plain_leaves_.find(key);
      if (it != plain_leaves_.end()) {
        leaf_id = it->second;
      } else {
        leaf_id = static_cast<int>(prog_->leaves.size());
        prog_->leaves.push_back(std::move(leaf));
        plain_leaves_.emplace(key, leaf_id);
      }
    } else {
      leaf_id = static_cast<int>(prog_->leaves.size());
      prog_->leaves.push_back(std::move(leaf));
    }
    Machine s = fresh();
    add(s, s.start, intern(Expr::Kind::Leaf, leaf_id, -1), s.end);
    return s;
  }

  void note_event_type(const std::string& domain, const std::string& name) {
    auto& types = prog_->event_types;
    auto pair = std::make_pair(domain, name);
    if (std::find(types.begin(), types.end(), pair) == types.end()) types.push_back(pair);
  }
  void note_select_var(const std::string& v) {
    auto& vars = prog_->select_vars;
    if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
  }

  // Appends `parts` to s as a sequence start -> parts[0] -> parts[1] -> ... -> end.
  static void chain_into(Machine& s, std::vector<Machine>& parts) {
    for (std::size_t j = 0; j < parts.size(); ++j) {
      Machine& a = parts[j];
      concat(s, a);
      if (j == 0) join(s, a.start, s.start);
      if (j == parts.size() - 1) join(s, a.end, s.end);
      if (j > 0) join(s, parts[j - 1].end, a.start);
    }
  }

  Machine or_machine(std::vector<Machine>& args) {
    Machine s = fresh();
    for (const Machine& a : args) {
      concat(s, a);
      join(s, a.start, s.start);
      join(s, a.end, s.end);
    }
    optimize(s);
    return s;
  }

  // Every order of the operands, each as a chain of clones.
  Machine and_machine(std::vector<Machine>& args) {
    Machine s = fresh();
    std::vector<std::size_t> order(args.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    do {
      std::vector<Machine> parts;
      for (std::size_t i : order) parts.push_back(clone(args[i]));
      chain_into(s, parts);
    } while (std::next_permutation(order.begin(), order.end()));
    optimize(s);
    return s;
  }

  // before (in order) and after (reversed), each operand cloned.
  Machine chain_machine(std::vector<Machine>& args, bool reverse) {
    Machine s = fresh();
    std::vector<Machine> parts;
    for (std::size_t j = 0; j < args.size(); ++j) {
      parts.push_back(clone(args[reverse ? args.size() - 1 - j : j]));
    }
    chain_into(s, parts);
    optimize(s);
    return s;
  }

  // A chain whose intermediate states fall back to start on any salient event
  // that is not one they expect.
  Machine then_machine(std::vector<Machine>& args) {
    Machine s = fresh();
    std::vector<int> merge_points;
    for (std::size_t j = 1; j < args.size(); ++j) merge_points.push_back(args[j].start);
    chain_into(s, args);
    const std::vector<Transition> transitions = s.ts;
    for (int da_state : merge_points) {
      std::vector<int> nots;
      for (const Transition& t : transitions) {
        if (t.from != da_state) continue;
        int n = intern(Expr::Kind::Not, t.on, -1);
        if (std::find(nots.begin(), nots.end(), n) == nots.end()) nots.push_back(n);
      }
      if (nots.empty()) continue;  // the reference would recurse forever here
      // wrapInOr: right-nested or of the nots.
      int expr = nots.back();
      for (std::size_t k = nots.size() - 1; k-- > 0;) {
        expr = intern(Expr::Kind::Or, nots[k], expr);
      }
      add(s, da_state, expr, s.start);
    }
    optimize(s);
    return s;
  }

  Machine between_machine(const Machine& a, const Machine& b, const Machine& c) {
    Machine s = fresh();
    concat(s, a);
    concat(s, b);
    concat(s, c);
    join(s, b.start, s.start);
    join(s, b.end, a.start);
    join(s, a.end, c.start);
    join(s, c.end, s.end);
    optimize(s);
    return s;
  }

  Machine not_between_machine(const Machine& a, const Machine& b, const Machine& c) {
    Machine s = fresh();
    concat(s, a);
    concat(s, b);
    concat(s, c);
    join(s, b.start, s.start);  // start -b-> c.start -c-> end
    join(s, b.end, c.start);
    join(s, c.end, s.end);
    join(s, a.start, c.start);  // c.start -a-> start
    join(s, a.end, s.start);
    optimize(s);
    return s;
  }

  // Every ordered choice of num operands (lexicographic, as the reference's
  // uniq'd permutation prefixes), each as a chain of clones.
  Machine any_machine(int num, std::vector<Machine>& args) {
    Machine s = fresh();
    std::vector<std::size_t> pick;
    std::vector<bool> used(args.size(), false);
    std::function<void()> choose = [&]() {
      if (pick.size() == static_cast<std::size_t>(num)) {
        std::vector<Machine> parts;
        for (std::size_t i : pick) parts.push_back(clone(args[i]));
        chain_into(s, parts);
        return;
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (used[i]) continue;
        used[i] = true;
        pick.push_back(i);
        choose();
        pick.pop_back();
        used[i] = false;
      }
    };
    choose();
    optimize(s);
    return s;
  }

  Machine count_machine(int num, const Machine& a) {
    Machine s = count_chain(num, a);
    optimize(s);
    return s;
  }

  // count, then once at end, every further match stays at end.
  Machine repeat_machine(int num, const Machine& a) {
    Machine s = count_chain(num, a);
    concat(s, a);
    join(s, a.end, s.end);
    join(s, a.start, s.end);
    optimize(s);
    return s;
  }

  Machine count_chain(int num, const Machine& a) {
    Machine s = fresh();
    std::vector<Machine> parts;
    for (int j = 0; j < num; ++j) {
      // Refuse before cloning: n is unbounded input.
      if ((static_cast<std::size_t>(j) + 1) * std::max<std::size_t>(a.ts.size(), 1) >
          kMaxTransitions) {
        throw BuildError("select when expression is too large (over " +
                         std::to_string(kMaxTransitions) + " state machine transitions)");
      }
      parts.push_back(clone(a));
    }
    chain_into(s, parts);
    return s;
  }
};

}  // namespace

bool known_aggregator(const std::string& op) {
  return op == "max" || op == "min" || op == "sum" || op == "avg" || op == "push";
}

void build_program(const SelectSpec& spec, Program* prog) {
  Builder builder(prog);
  Machine m = builder.build(spec, 0);
  builder.finish(m);
}

}  // namespace spime::runtime::select_when_detail
