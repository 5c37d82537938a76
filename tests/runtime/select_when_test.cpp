// select when state machines: construction per operator (the reference
// select-when package's compile() layouts), event sequences from its README
// and tests, setting/aggregator accumulation, within, persistence round trips
// and errors.
#include <catch2/catch.hpp>

#include <chrono>

#include "engine/runtime/select_when/select_when.h"

using namespace spime;
using namespace spime::runtime;
using Kind = SelectSpec::Kind;

namespace {

// "aaa" -> any domain, name aaa; "d:n" -> domain d, name n (as select-when's e()).
SelectSpec e(const std::string& s, LeafMatcher m = {}) {
  auto colon = s.find(':');
  if (colon == std::string::npos) return SelectSpec::event("*", s, std::move(m));
  return SelectSpec::event(s.substr(0, colon), s.substr(colon + 1), std::move(m));
}
SelectSpec op(Kind k, std::vector<SelectSpec> args, int n = 0) {
  return SelectSpec::op(k, std::move(args), n);
}

// A leaf matcher standing in for `attr re#(.*)#` (captures the attribute as a
// string) with an optional `where attr != fail_value`.
LeafMatcher capture_attr(std::string attr, std::string fail_value = "") {
  return [attr, fail_value](const SelectEvent& ev, const krl::Map&, krl::Array* captures) {
    const krl::Value* v = ev.attrs.is_map() ? ev.attrs.as_map().find(attr) : nullptr;
    if (v == nullptr) return false;
    std::string s = krl::to_string(*v);
    if (!fail_value.empty() && s == fail_value) return false;
    captures->push_back(krl::Value(s));
    return true;
  };
}
SelectSpec with_setting(SelectSpec leaf, std::vector<std::string> vars) {
  leaf.setting = std::move(vars);
  return leaf;
}
SelectSpec with_aggregator(SelectSpec leaf, std::string agg_op, std::vector<std::string> vars) {
  leaf.aggregator = Aggregator{std::move(agg_op), std::move(vars)};
  return leaf;
}

std::unique_ptr<SelectWhen> compile(SelectSpec spec, std::optional<std::int64_t> within = {}) {
  std::string error;
  auto sw = SelectWhen::compile(std::move(spec), within, &error);
  INFO(error);
  REQUIRE(sw);
  return sw;
}

std::string compile_error(SelectSpec spec) {
  std::string error;
  auto sw = SelectWhen::compile(std::move(spec), std::nullopt, &error);
  CHECK(sw == nullptr);
  return error;
}

SelectEvent event(const std::string& s, std::int64_t time = 0, krl::Value attrs = {}) {
  SelectEvent ev;
  auto colon = s.find(':');
  if (colon == std::string::npos) {
    ev.name = s;
  } else {
    ev.domain = s.substr(0, colon);
    ev.name = s.substr(colon + 1);
  }
  ev.time_ms = time;
  ev.attrs = std::move(attrs);
  return ev;
}

krl::Value attrs(std::initializer_list<krl::Map::Entry> entries) {
  return krl::Value(krl::Map(entries));
}

krl::Value json(const char* text) {
  krl::Value v;
  std::string err;
  REQUIRE(krl::parse_json(text, &v, &err));
  return v;
}

// One pico's view of one rule: feeds events, keeps the state, optionally
// through JSON text in between (as the store does).
struct Pico {
  explicit Pico(const SelectWhen& machine, bool via_json = false)
      : sw(machine), through_json(via_json) {}
  const SelectWhen& sw;
  bool through_json;
  krl::Value state;
  krl::Map last_bindings;

  bool send(const SelectEvent& ev) {
    if (through_json) state = SelectWhen::decode_record(SelectWhen::encode_record(state));
    SelectWhen::Result r = sw.feed(ev, state);
    if (r.state_changed) {
      state = r.new_state;
    } else {
      CHECK(krl::equal(r.new_state, state));
    }
    last_bindings = r.bindings;
    return r.selected;
  }
  bool send(const std::string& s, std::int64_t time = 0, krl::Value a = {}) {
    return send(event(s, time, std::move(a)));
  }
  // Sends names in order; returns "." for no selection and "!" for a selection.
  std::string run(std::initializer_list<const char*> names) {
    std::string out;
    for (const char* n : names) out += send(n) ? "!" : ".";
    return out;
  }
  std::string state_json() const { return krl::encode_json(state); }
};

}  // namespace

TEST_CASE("machine layouts match the reference's compile()", "[selectwhen]") {
  CHECK(compile(e("foo"))->describe() == R"({"start":[["*:foo","end"]]})");
  CHECK(compile(op(Kind::Before, {e("foo"), e("bar")}))->describe() ==
        R"({"start":[["*:foo","s0"]],"s0":[["*:bar","end"]]})");
  const char* three = R"({"start":[["*:foo","s0"]],"s0":[["*:bar","s1"]],"s1":[["*:baz","end"]]})";
  CHECK(compile(op(Kind::Before, {op(Kind::Before, {e("foo"), e("bar")}), e("baz")}))->describe() ==
        three);
  CHECK(compile(op(Kind::Before, {e("foo"), op(Kind::Before, {e("bar"), e("baz")})}))->describe() ==
        three);
  CHECK(compile(op(Kind::Or, {e("foo"), e("bar")}))->describe() ==
        R"({"start":[["*:foo","end"],["*:bar","end"]]})");
  CHECK(
      compile(op(Kind::And, {e("aaa"), e("bbb")}))->describe() ==
      R"({"start":[["*:aaa","s0"],["*:bbb","s1"]],"s0":[["*:bbb","end"]],"s1":[["*:aaa","end"]]})");
  CHECK(compile(op(Kind::Then, {e("aaa:*"), e("aaa:bbb")}))->describe() ==
        R"({"start":[["aaa:*","s0"]],"s0":[["aaa:bbb","end"],[["not","aaa:bbb"],"start"]]})");
  CHECK(compile(op(Kind::After, {e("aaa"), e("bbb")}))->describe() ==
        R"({"start":[["*:bbb","s0"]],"s0":[["*:aaa","end"]]})");
  CHECK(compile(op(Kind::Between, {e("aaa"), e("bbb"), e("ccc")}))->describe() ==
        R"({"start":[["*:bbb","s0"]],"s0":[["*:aaa","s1"]],"s1":[["*:ccc","end"]]})");
  CHECK(compile(op(Kind::NotBetween, {e("aaa"), e("bbb"), e("ccc")}))->describe() ==
        R"({"start":[["*:bbb","s0"]],"s0":[["*:aaa","start"],["*:ccc","end"]]})");
  CHECK(compile(op(Kind::Any, {e("aaa"), e("bbb"), e("ccc"), e("ddd")}, 2))->describe() ==
        R"({"start":[["*:aaa","s0"],["*:bbb","s1"],["*:ccc","s2"],["*:ddd","s3"]],)"
        R"("s0":[["*:bbb","end"],["*:ccc","end"],["*:ddd","end"]],)"
        R"("s1":[["*:aaa","end"],["*:ccc","end"],["*:ddd","end"]],)"
        R"("s2":[["*:aaa","end"],["*:bbb","end"],["*:ddd","end"]],)"
        R"("s3":[["*:aaa","end"],["*:bbb","end"],["*:ccc","end"]]})");
  CHECK(compile(op(Kind::Count, {e("aaa")}, 3))->describe() ==
        R"({"start":[["*:aaa","s0"]],"s0":[["*:aaa","s1"]],"s1":[["*:aaa","end"]]})");
  CHECK(compile(op(Kind::Repeat, {e("aaa")}, 3))->describe() ==
        R"({"start":[["*:aaa","s0"]],"s0":[["*:aaa","s1"]],"s1":[["*:aaa","end"]],)"
        R"("end":[["*:aaa","end"]]})");
}

TEST_CASE("optimize merges states reached by the same event with the same inputs", "[selectwhen]") {
  // (foo before ccc) or (foo before ddd): both `foo` targets merge.
  auto sw = compile(op(
      Kind::Or, {op(Kind::Before, {e("foo"), e("ccc")}), op(Kind::Before, {e("foo"), e("ddd")})}));
  CHECK(sw->describe() == R"({"start":[["*:foo","s0"]],"s0":[["*:ccc","end"],["*:ddd","end"]]})");
  Pico p{*sw};
  CHECK(p.run({"foo", "ddd", "foo", "ccc", "ccc"}) == ".!.!.");
  // Leaves with matchers are distinct events even with the same name.
  auto fn =
      compile(op(Kind::Or, {e("aaa", capture_attr("x")), e("aaa"), e("aaa", capture_attr("y"))}));
  CHECK(fn->describe() == R"({"start":[["*:aaa:fn0","end"],["*:aaa","end"],["*:aaa:fn1","end"]]})");
}

TEST_CASE("a single event is stateless and allocates no state", "[selectwhen]") {
  auto sw = compile(e("hello:world"));
  CHECK_FALSE(sw->stateful());
  auto r = sw->feed(event("hello:world"), krl::Value());
  CHECK(r.selected);
  CHECK(r.new_state.is_null());
  CHECK_FALSE(r.state_changed);
  CHECK(r.bindings.empty());
  CHECK_FALSE(sw->feed(event("hello:there"), krl::Value()).selected);
  CHECK_FALSE(sw->feed(event("world"), krl::Value()).selected);  // no domain
  // Whatever state is passed (e.g. left by an older version) comes back as is.
  krl::Value old = json(R"({"states":["s3"]})");
  auto r2 = sw->feed(event("hello:world"), old);
  CHECK(r2.selected);
  CHECK_FALSE(r2.state_changed);
  CHECK(r2.new_state.as_map().find("states") != nullptr);

  // Or of single events, and a where-only leaf, are stateless too.
  CHECK_FALSE(compile(op(Kind::Or, {e("a:b"), e("c:d", capture_attr("x"))}))->stateful());
  CHECK(compile(op(Kind::Before, {e("a"), e("b")}))->stateful());
  CHECK(compile(e("a"), 1000)->stateful());
  CHECK(compile(with_setting(e("a", capture_attr("x")), {"x"}))->stateful());
}

TEST_CASE("only salient events are looked at", "[selectwhen]") {
  auto sw = compile(op(Kind::Or, {e("foo:foo"), op(Kind::Then, {e("bar:*"), e("foo:foo")}),
                                  e("foo:foo"), e("*:baz")}));
  CHECK(sw->event_types() == std::vector<std::pair<std::string, std::string>>{
                                 {"foo", "foo"}, {"bar", "*"}, {"*", "baz"}});
  CHECK(sw->salient("foo", "foo"));
  CHECK(sw->salient("bar", "anything"));
  CHECK(sw->salient("any", "baz"));
  CHECK_FALSE(sw->salient("foo", "bar"));
  CHECK_FALSE(sw->salient("wat", "bar"));
  // `select where e` is an Event leaf on *:*: every event is salient.
  CHECK(compile(e("*:*", capture_attr("x")))->salient("x", "y"));
}

TEST_CASE("README: hello:world or (a then b)", "[selectwhen]") {
  auto rule1 = compile(e("hello:world"));
  auto rule2 = compile(op(Kind::Or, {e("hello:world"), op(Kind::Then, {e("a"), e("b")})}));
  Pico p1{*rule1}, p2{*rule2};
  CHECK(p1.send("hello:world"));
  CHECK(p2.send("hello:world"));
  CHECK_FALSE(p1.send("a"));
  CHECK_FALSE(p2.send("a"));
  CHECK_FALSE(p1.send("b"));
  CHECK(p2.send("b"));
}

TEST_CASE("before", "[selectwhen]") {
  auto sw = compile(op(Kind::Before, {e("foo"), e("bar")}));
  Pico p{*sw};
  CHECK(p.run({"foo", "baz", "bar", "bar", "foo", "foo", "bar"}) == "..!...!");

  // The matcher-level cases of the reference's tests.
  auto r = sw->feed(event("foo"), krl::Value());
  CHECK_FALSE(r.selected);
  CHECK(krl::encode_json(r.new_state) == R"({"states":["s0"]})");
  r = sw->feed(event("bar"), krl::Value());
  CHECK_FALSE(r.selected);
  CHECK(r.new_state.is_null());  // {states:["start"]} behaves as the initial state
  r = sw->feed(event("bar"), json(R"({"states":["s0"]})"));
  CHECK(r.selected);
  CHECK(r.new_state.is_null());  // {states:["end"]}: end has no way out, so initial
  CHECK_FALSE(sw->feed(event("bar"), json(R"({"states":["end"]})")).selected);
  CHECK_FALSE(sw->feed(event("bar"), json(R"({"states":["wat","da"]})")).selected);
  CHECK(sw->feed(event("bar"), json(R"({"states":["wat","s0","da"]})")).selected);
}

TEST_CASE("then: the next salient event must be the second one", "[selectwhen]") {
  auto sw = compile(op(Kind::Then, {e("aaa:*"), e("aaa:bbb")}));
  Pico p{*sw};
  CHECK(p.run({"aaa:hi", "aaa:bbb", "aaa:hi", "aaa:ccc", "aaa:bbb"}) == ".!...");
  // Non-salient events in between do not break the chain.
  auto ab = compile(op(Kind::Then, {e("a"), e("b")}));
  Pico q{*ab};
  CHECK(q.run({"a", "x", "b"}) == "..!");
  // A repeated first event falls back to start and is not re-read there.
  CHECK(q.run({"a", "a", "b", "a", "b"}) == "....!");
}

TEST_CASE("and: either order", "[selectwhen]") {
  auto sw = compile(op(Kind::And, {e("a"), e("b")}));
  Pico p{*sw};
  CHECK(p.run({"a", "b", "b", "a", "a", "a", "b", "x", "b"}) == ".!.!..!..");
}

TEST_CASE("after, between, not between", "[selectwhen]") {
  auto after = compile(op(Kind::After, {e("a"), e("b")}));
  Pico p{*after};
  CHECK(p.run({"a", "b", "a", "a"}) == "..!.");

  auto between = compile(op(Kind::Between, {e("a"), e("b"), e("c")}));
  Pico q{*between};
  CHECK(q.run({"a", "b", "a", "c", "b", "c", "a", "c"}) == "...!...!");

  auto not_between = compile(op(Kind::NotBetween, {e("a"), e("b"), e("c")}));
  Pico r{*not_between};
  CHECK(r.run({"b", "c", "b", "a", "c", "b", "a", "b", "c"}) == ".!......!");
}

TEST_CASE("README: any, count, repeat", "[selectwhen]") {
  auto any = compile(op(Kind::Any, {e("a"), e("b"), e("c")}, 2));
  Pico p{*any};
  CHECK(p.run({"a", "b", "a", "z", "c", "b", "a"}) == ".!..!.!");

  auto count = compile(op(Kind::Count, {e("a")}, 3));
  Pico q{*count};
  CHECK(q.run({"a", "a", "a", "a", "a", "a", "a", "z", "z", "z", "a", "a"}) == "..!..!.....!");

  auto repeat = compile(op(Kind::Repeat, {e("a")}, 3));
  Pico r{*repeat};
  CHECK(r.run({"a", "z", "a", "z", "z", "a", "a", "z", "a", "a"}) == ".....!!.!!");
  CHECK(r.state_json() == R"({"states":["end"]})");  // repeat's end keeps matching
}

TEST_CASE("within resets the machine when the window has passed", "[selectwhen]") {
  // README: within(1000, count(3, a)).
  auto sw = compile(op(Kind::Count, {e("a")}, 3), 1000);
  Pico p{*sw};
  CHECK_FALSE(p.send("a", 0));
  CHECK_FALSE(p.send("a", 10));
  CHECK_FALSE(p.send("a", 60 * 60 * 1000));  // the machine reset: this is the 1st
  CHECK_FALSE(p.send("a", 60 * 60 * 1000 + 10));
  CHECK(p.send("a", 60 * 60 * 1000 + 20));

  // The reference's within tests, state by state.
  auto b = compile(op(Kind::Before, {e("foo"), e("bar")}), 100);
  auto r0 = b->feed(event("foo", 100), krl::Value());
  CHECK_FALSE(r0.selected);
  CHECK(krl::encode_json(r0.new_state) == R"({"states":["s0"],"starttime":100})");
  auto r1 = b->feed(event("bar", 110), r0.new_state);
  CHECK(r1.selected);
  CHECK(krl::encode_json(r1.new_state) == R"({"states":["end"],"starttime":100})");
  auto r2 = b->feed(event("bar", 201), r0.new_state);
  CHECK_FALSE(r2.selected);
  CHECK(krl::encode_json(r2.new_state) == R"({"states":["start"],"starttime":201})");
  auto r3 = b->feed(event("foo", 133), json(R"({"starttime":123,"states":["start"]})"));
  CHECK(krl::encode_json(r3.new_state) == R"({"states":["s0"],"starttime":133})");

  // After a selection the clock keeps running from the old start until the
  // machine passes through start again.
  auto r4 = b->feed(event("foo", 150), r1.new_state);
  CHECK(krl::encode_json(r4.new_state) == R"({"states":["s0"],"starttime":100})");
  CHECK_FALSE(b->feed(event("bar", 201), r4.new_state).selected);
}

TEST_CASE("setting vars accumulate across steps and are handed back once", "[selectwhen]") {
  // select when a a x re#(.*)# setting(x) before b b y re#(.*)# setting(y)
  auto sw = compile(op(Kind::Before, {with_setting(e("a:a", capture_attr("x")), {"x"}),
                                      with_setting(e("b:b", capture_attr("y")), {"y"})}));
  CHECK(sw->select_vars() == std::vector<std::string>{"x", "y"});
  Pico p{*sw};
  CHECK_FALSE(p.send("a:a", 0, attrs({{"x", "one"}})));
  CHECK(p.state_json() == R"({"states":["s0"],"setting":{"x":"one"}})");
  CHECK(p.send("b:b", 0, attrs({{"y", "two"}})));
  CHECK(krl::encode_json(krl::Value(p.last_bindings)) == R"({"x":"one","y":"two"})");
  CHECK(p.state.is_null());  // setting cleared after the selection

  // A later event of the first type overwrites, as the reference's merge does.
  auto single = compile(with_setting(e("a:a", capture_attr("x")), {"x"}));
  Pico q{*single};
  CHECK(q.send("a:a", 0, attrs({{"x", 5}})));
  CHECK(krl::encode_json(krl::Value(q.last_bindings)) == R"({"x":"5"})");
  CHECK(q.state.is_null());
  CHECK_FALSE(q.send("a:a", 0, attrs({})));  // regexp fails: no match
}

TEST_CASE("a relevant event failing its attribute match resets the rule state", "[selectwhen]") {
  // select when a a before b b y re#(.*)# where y != "no"
  auto sw = compile(op(Kind::Before, {e("a:a"), e("b:b", capture_attr("y", "no"))}));
  Pico p{*sw};
  CHECK_FALSE(p.send("a:a"));
  CHECK_FALSE(p.send("b:b", 0, attrs({{"y", "no"}})));  // the reference returns state undefined
  CHECK(p.state.is_null());
  CHECK_FALSE(p.send("b:b", 0, attrs({{"y", "yes"}})));  // so this no longer selects
  CHECK_FALSE(p.send("a:a"));
  CHECK(p.send("b:b", 0, attrs({{"y", "yes"}})));
}

TEST_CASE("aggregators over count and repeat", "[selectwhen]") {
  auto leaf = [](const char* agg) {
    return with_aggregator(e("ex:n", capture_attr("n")), agg, {"v"});
  };
  auto n = [](int v) { return attrs({{"n", v}}); };

  auto sum = compile(op(Kind::Count, {leaf("sum")}, 3));
  Pico p{*sum};
  CHECK_FALSE(p.send("ex:n", 0, n(1)));
  CHECK_FALSE(p.send("ex:n", 0, n(2)));
  CHECK(p.send("ex:n", 0, n(3)));
  CHECK(krl::encode_json(krl::Value(p.last_bindings)) == R"({"v":6})");
  // Values restart with the machine.
  CHECK_FALSE(p.send("ex:n", 0, n(10)));
  CHECK_FALSE(p.send("ex:n", 0, n(20)));
  CHECK(p.send("ex:n", 0, n(30)));
  CHECK(krl::encode_json(krl::Value(p.last_bindings)) == R"({"v":60})");

  struct Case {
    const char* agg;
    const char* expected;
  };
  for (Case c : {Case{"max", R"({"v":7})"}, Case{"min", R"({"v":-2})"}, Case{"avg", R"({"v":2})"},
                 Case{"push", R"({"v":["7","-2","1"]})"}}) {
    auto sw = compile(op(Kind::Count, {leaf(c.agg)}, 3));
    Pico q{*sw};
    q.send("ex:n", 0, n(7));
    q.send("ex:n", 0, n(-2));
    CHECK(q.send("ex:n", 0, n(1)));
    INFO(c.agg);
    CHECK(krl::encode_json(krl::Value(q.last_bindings)) == c.expected);
  }

  // repeat keeps a sliding window of the last n values.
  auto push = compile(op(Kind::Repeat, {leaf("push")}, 3));
  Pico r{*push};
  r.send("ex:n", 0, n(1));
  r.send("ex:n", 0, n(2));
  CHECK(r.send("ex:n", 0, n(3)));
  CHECK(krl::encode_json(krl::Value(r.last_bindings)) == R"({"v":["1","2","3"]})");
  CHECK(r.send("ex:n", 0, n(4)));
  CHECK(krl::encode_json(krl::Value(r.last_bindings)) == R"({"v":["2","3","4"]})");
  CHECK(r.send("ex:n", 0, n(5)));
  CHECK(krl::encode_json(krl::Value(r.last_bindings)) == R"({"v":["3","4","5"]})");
  CHECK(r.state_json() == R"({"states":["end"],"aggregates":{"v":["3","4","5"]}})");

  // Non-numbers count as 0.
  auto sum2 = compile(op(Kind::Count, {leaf("sum")}, 2));
  Pico s{*sum2};
  s.send("ex:n", 0, attrs({{"n", "abc"}}));
  CHECK(s.send("ex:n", 0, n(4)));
  CHECK(krl::encode_json(krl::Value(s.last_bindings)) == R"({"v":4})");
}

TEST_CASE("within clears setting vars on timeout", "[selectwhen]") {
  auto sw =
      compile(op(Kind::Before, {with_setting(e("a", capture_attr("x")), {"x"}), e("b")}), 100);
  Pico p{*sw};
  CHECK_FALSE(p.send("a", 1000, attrs({{"x", "early"}})));
  CHECK_FALSE(p.send("b", 1500));  // too late: reset, `b` is not a first event
  CHECK(p.state_json() == R"({"states":["start"],"starttime":1500})");
  CHECK_FALSE(p.send("a", 1600, attrs({{"x", "late"}})));
  CHECK(p.send("b", 1650));
  CHECK(krl::encode_json(krl::Value(p.last_bindings)) == R"({"x":"late"})");
}

TEST_CASE("state survives a JSON round trip between every event", "[selectwhen]") {
  std::vector<SelectSpec> specs;
  specs.push_back(op(Kind::Before, {e("a"), e("b")}));
  specs.push_back(op(Kind::Then, {e("a"), e("b"), e("c")}));
  specs.push_back(op(Kind::And, {e("a"), op(Kind::Or, {e("b"), e("c")})}));
  specs.push_back(op(Kind::Any, {e("a"), e("b"), e("c")}, 2));
  specs.push_back(op(Kind::NotBetween, {e("a"), e("b"), e("c")}));
  specs.push_back(op(Kind::Repeat, {with_aggregator(e("a", capture_attr("n")), "push", {"v"})}, 2));
  specs.push_back(op(Kind::Before, {with_setting(e("a", capture_attr("n")), {"x"}), e("c")}));
  const char* names[] = {"a", "b", "c", "a", "a", "c", "b", "b", "a", "c", "a", "b", "c", "c"};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (bool with_within : {false, true}) {
      std::optional<std::int64_t> within;
      if (with_within) within = 25;
      auto sw = compile(specs[i], within);
      Pico direct{*sw}, stored{*sw, /*through_json=*/true};
      std::int64_t t = 0;
      for (const char* name : names) {
        t += 7;
        krl::Value a = attrs({{"n", static_cast<int>(t)}});
        INFO("spec " << i << " within " << with_within << " t " << t);
        CHECK(direct.send(name, t, a) == stored.send(name, t, a));
        CHECK(direct.state_json() == stored.state_json());
        CHECK(krl::encode_json(krl::Value(direct.last_bindings)) ==
              krl::encode_json(krl::Value(stored.last_bindings)));
      }
    }
  }
}

TEST_CASE("undecodable state is the initial state", "[selectwhen]") {
  auto sw = compile(op(Kind::Before, {e("a"), e("b")}));
  for (const char* bad :
       {R"("garbage")", "42", "[1,2]", R"({"states":"s0"})", R"({"states":[1,2]})",
        R"({"states":["s0"],"setting":7,"aggregates":"x","starttime":"y"})"}) {
    INFO(bad);
    krl::Value state = json(bad);
    bool expect_s0 = std::string(bad).find("\"s0\"]") != std::string::npos;
    CHECK(sw->feed(event("b"), state).selected == expect_s0);
    auto r = sw->feed(event("a"), state);
    CHECK_FALSE(r.selected);
    CHECK(krl::encode_json(r.new_state) == R"({"states":["s0"]})");
  }
  CHECK(SelectWhen::decode_record("{not json").is_null());
  CHECK(SelectWhen::decode_record("[]").is_null());
  CHECK(SelectWhen::encode_record(krl::Value()) == "null");
}

TEST_CASE("state is reported unchanged when it is", "[selectwhen]") {
  auto sw = compile(op(Kind::Before, {e("a"), e("b")}));
  auto r = sw->feed(event("b"), krl::Value());
  CHECK_FALSE(r.state_changed);
  r = sw->feed(event("a"), krl::Value());
  CHECK(r.state_changed);
  auto r2 = sw->feed(event("a"), r.new_state);  // a again: still at s0
  CHECK_FALSE(r2.state_changed);
  auto r3 = sw->feed(event("x"), r.new_state);  // not salient
  CHECK_FALSE(r3.state_changed);
  CHECK(krl::equal(r3.new_state, r.new_state));
}

TEST_CASE("leaf matcher errors propagate", "[selectwhen]") {
  auto sw = compile(op(
      Kind::Before, {e("a"), e("b", [](const SelectEvent&, const krl::Map&, krl::Array*) -> bool {
                       throw std::runtime_error("where failed");
                     })}));
  auto r = sw->feed(event("a"), krl::Value());
  CHECK_THROWS_WITH(sw->feed(event("b"), r.new_state), "where failed");
}

TEST_CASE("invalid specs are refused with a clear error", "[selectwhen]") {
  CHECK(compile_error(op(Kind::Count, {e("a")}, 0)) ==
        "count expects n to be a positive integer, got 0");
  CHECK(compile_error(op(Kind::Repeat, {e("a")}, -2)) ==
        "repeat expects n to be a positive integer, got -2");
  CHECK(compile_error(op(Kind::Count, {e("a"), e("b")}, 2)) ==
        "count expects exactly 1 event expression");
  const char* any_msg =
      "`any(num, ...eventexs)` expects num to be greater than 0 and less than the number of "
      "eventexs";
  CHECK(compile_error(op(Kind::Any, {e("a"), e("b")}, 0)) == any_msg);
  CHECK(compile_error(op(Kind::Any, {e("a"), e("b")}, 2)) == any_msg);
  CHECK(compile_error(op(Kind::Count, {with_aggregator(e("a"), "median", {"m"})}, 2)) ==
        "unknown aggregator `median` (expected max, min, sum, avg or push)");
  CHECK(compile_error(op(Kind::Between, {e("a"), e("b")})) ==
        "between expects 3 event expressions");
  CHECK(compile_error(op(Kind::Or, {})) == "or expects at least 1 event expression");

  // Size limits: refused quickly, without building the whole machine.
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THAT(compile_error(op(Kind::Count, {e("a")}, 2000000000)),
             Catch::Matchers::StartsWith("select when expression is too large"));
  std::vector<SelectSpec> many;
  for (int i = 0; i < 12; ++i) many.push_back(e("e" + std::to_string(i)));
  CHECK_THAT(compile_error(op(Kind::And, many)),
             Catch::Matchers::StartsWith("select when expression is too large"));
  CHECK_THAT(compile_error(op(Kind::Any, many, 6)),
             Catch::Matchers::StartsWith("select when expression is too large"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));

  SelectSpec deep = e("a");
  for (int i = 0; i < 300; ++i) deep = op(Kind::Or, {std::move(deep)});
  CHECK(compile_error(std::move(deep)) == "select when expression nested too deeply");
}

TEST_CASE("within periods in ms", "[selectwhen]") {
  CHECK(SelectWhen::within_ms(krl::Value(5), "seconds") == 5000);
  CHECK(SelectWhen::within_ms(krl::Value(1), "second") == 1000);
  CHECK(SelectWhen::within_ms(krl::Value(1.5), "minutes") == 90000);
  CHECK(SelectWhen::within_ms(krl::Value(2), "hours") == 2 * 3600000);
  CHECK(SelectWhen::within_ms(krl::Value(1), "day") == 86400000);
  CHECK(SelectWhen::within_ms(krl::Value(1), "weeks") == 7 * 86400000LL);
  CHECK(SelectWhen::within_ms(krl::Value(1), "month") == 30 * 86400000LL);
  CHECK(SelectWhen::within_ms(krl::Value(1), "years") == 365 * 86400000LL);
  CHECK(SelectWhen::within_ms(krl::Value("3"), "seconds") == 3000);
  CHECK(SelectWhen::within_ms(krl::Value(250), "fortnights") == 250);  // unknown unit: x1
  CHECK_FALSE(SelectWhen::within_ms(krl::Value("soon"), "seconds"));
  CHECK_FALSE(SelectWhen::within_ms(krl::Value(krl::Map()), "seconds"));
  CHECK_FALSE(SelectWhen::within_ms(krl::Value(1e300), "years"));
}

TEST_CASE("an aggregator may sit on the count/repeat node, as in the AST", "[selectwhen]") {
  SelectSpec count = op(Kind::Count, {e("ex:n", capture_attr("n"))}, 2);
  count.aggregator = Aggregator{"sum", {"total"}};
  auto sw = compile(count);
  CHECK(sw->select_vars() == std::vector<std::string>{"total"});
  Pico p{*sw};
  CHECK_FALSE(p.send("ex:n", 0, attrs({{"n", 2}})));
  CHECK(p.send("ex:n", 0, attrs({{"n", 3}})));
  CHECK(krl::encode_json(krl::Value(p.last_bindings)) == R"({"total":5})");

  SelectSpec bad = op(Kind::Count, {op(Kind::Or, {e("a"), e("b")})}, 2);
  bad.aggregator = Aggregator{"sum", {"total"}};
  CHECK(compile_error(bad) == "an aggregator needs a single event expression");
  SelectSpec unknown = op(Kind::Repeat, {e("a")}, 2);
  unknown.aggregator = Aggregator{"median", {"m"}};
  CHECK(compile_error(unknown) ==
        "unknown aggregator `median` (expected max, min, sum, avg or push)");
}
