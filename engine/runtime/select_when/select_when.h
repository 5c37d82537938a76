// `select when` event expressions: compiled state machines and their per-pico
// state.
//
// A rule's `select when` expression is compiled ONCE into an immutable
// SelectWhen (a nondeterministic state machine, built exactly as the
// reference's select-when 0.1.9 package builds it: same construction per
// operator, same state merging, same state names "start", "end", "s0", ...).
// Each pico keeps its own state for each rule as a JSON-storable krl::Value;
// feed() takes the previous state and one event and returns whether the rule
// is selected plus the next state. SelectWhen itself never changes, so one
// instance is shared by all picos and threads.
//
// Semantics follow the reference (select-when's StateMachine/expressions and
// krl-compiler's EventExpression/RuleSelect/Rule, krl-stdlib aggregateEvent):
//  * only salient events (matching some leaf's domain/name, "*" = any) are
//    looked at; others leave the state untouched and never select;
//  * the machine may be in several states at once; an event moves every
//    current state along each transition it matches; reaching "end" selects
//    the rule and the next event starts again from "start" (except `repeat`,
//    whose "end" keeps matching);
//  * `then` returns to "start" when the next salient event is not the expected
//    one; `within` restarts the machine (and clears `setting` vars) when the
//    event comes more than within_ms after the time the machine last started;
//  * a leaf whose domain/name match but whose attribute regexps or `where`
//    fail resets the whole rule state (a quirk of the reference, kept);
//  * `setting` vars and aggregator results accumulate in the state and are
//    handed back as bindings on selection, after which they are cleared.
// Time comes only from the events (SelectEvent::time_ms): deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/krl/value.h"

namespace spime::runtime {

struct SelectEvent {
  std::string domain;
  std::string name;
  krl::Value attrs;  // the event's attributes (a Map), read only by leaf matchers
  std::int64_t time_ms = 0;
};

// Decides whether one event matches a leaf `domain name [attr re#..#]* [setting(..)]
// [where e]` once its domain and name have matched. Supplied by the runtime,
// which evaluates the regexps and `where` with the KRL evaluator: for each
// attribute matcher in order, match the attribute (as a string, "" when
// absent) and append the regexp's capture groups (null for a group that did
// not participate) to *captures; fail if any regexp fails or `where` is
// falsy. `setting_so_far` is the rule's accumulated setting vars. May throw
// (e.g. krl::KrlError from `where`): feed() lets it through, state untouched.
using LeafMatcher = std::function<bool(const SelectEvent& event, const krl::Map& setting_so_far,
                                       krl::Array* captures)>;

// `max(a, b)`, `min`, `sum`, `avg`, `push` after a `count`/`repeat` leaf:
// vars[i] aggregates the leaf's captures[i] over the events that matched.
struct Aggregator {
  std::string op;
  std::vector<std::string> vars;
};

// The neutral description of an event expression, built by the runtime from
// the rule's AST (`select where e` is an Event leaf "*" "*" whose matcher
// evaluates e).
struct SelectSpec {
  enum class Kind {
    Event,       // a leaf
    Or,          // a or b
    And,         // a and b (either order)
    Before,      // a before b
    Then,        // a then b (no other salient event in between)
    After,       // a after b (= b before a)
    Between,     // args {a, b, c}: a between(b, c)
    NotBetween,  // args {a, b, c}: a not between(b, c)
    Any,         // any n (args...)
    Count,       // count n (args[0])
    Repeat,      // repeat n (args[0])
  };
  Kind kind = Kind::Event;

  // Event leaves. An empty domain or name means "*" (any).
  std::string domain = "*";
  std::string name = "*";
  LeafMatcher matcher;               // empty: domain and name decide alone
  std::vector<std::string> setting;  // setting(vars): vars[i] = captures[i]
  // count/repeat aggregators. The reference attaches them to the leaf; set
  // here or on a Count/Repeat node (whose operand must then be a leaf).
  std::optional<Aggregator> aggregator;

  // Operators.
  std::vector<SelectSpec> args;
  int n = 0;  // Any, Count, Repeat

  static SelectSpec event(std::string domain, std::string name, LeafMatcher matcher = {});
  static SelectSpec op(Kind kind, std::vector<SelectSpec> args, int n = 0);
};

namespace select_when_detail {
struct Program;
}

class SelectWhen {
 public:
  // Compiles `spec`; `within_ms` is the rule's `within` window, if any.
  // Returns nullptr and sets *error on an invalid spec: n not a positive
  // integer, `any` n not below the number of expressions, an unknown
  // aggregator, a wrong number of operands, or a machine over the size limit.
  static std::unique_ptr<SelectWhen> compile(SelectSpec spec, std::optional<std::int64_t> within_ms,
                                             std::string* error);
  ~SelectWhen();
  SelectWhen(const SelectWhen&) = delete;
  SelectWhen& operator=(const SelectWhen&) = delete;

  // The (domain, name) pairs that can affect this rule ("*" = any), unique,
  // in order of appearance: index rules by these.
  const std::vector<std::pair<std::string, std::string>>& event_types() const;
  // Whether (domain, name) is salient for this rule.
  bool salient(const std::string& domain, const std::string& name) const;
  // The variables a selection binds (setting vars and aggregator vars).
  const std::vector<std::string>& select_vars() const;
  // False when the machine never needs state between events (one step from
  // start to end, no `within`, no setting/aggregator): feed() then never
  // allocates and always reports the state unchanged.
  bool stateful() const;

  struct Result {
    bool selected = false;
    krl::Value new_state;        // null = initial state
    bool state_changed = false;  // persist new_state only when true
    krl::Map bindings;           // select vars -> values, when selected
  };
  // Feeds one event. `state` is this pico+rule's previous state (null =
  // initial; anything undecodable is treated as initial). When selected, the
  // caller runs the rule with `bindings`.
  Result feed(const SelectEvent& event, const krl::Value& state) const;

  // The compiled machine in the reference's StateMachine.compile() layout,
  // e.g. {"start":[["*:a","s0"]],"s0":[["*:b","end"]]}: for tests and debugging.
  // Leaves with a matcher print as "domain:name:fnK", K in order of appearance.
  std::string describe() const;

  // `within <amount> <unit>` in ms, as the reference's EventWithin: amount
  // times the unit (second, minute, hour, day, week, month = 30 days,
  // year = 365 days; a trailing "s" is ignored; any other unit counts 1),
  // floored (equivalent for integer event times). nullopt when the amount is
  // not a finite number (the reference's TypeError "within timeLimit must be
  // a number (ms) or a function that returns the limit.").
  static std::optional<std::int64_t> within_ms(const krl::Value& amount, const std::string& unit);

  // Convenience for the store: state <-> JSON text (corrupt text = null).
  static std::string encode_record(const krl::Value& state);
  static krl::Value decode_record(const std::string& json);

 private:
  explicit SelectWhen(std::unique_ptr<select_when_detail::Program> program);
  std::unique_ptr<const select_when_detail::Program> program_;
};

}  // namespace spime::runtime
