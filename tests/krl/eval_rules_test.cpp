#include "tests/krl/eval_test_util.h"

using namespace spime::krl;

namespace {

const char* kRuleset = R"(
ruleset t.rs {
  meta { shares get, limit  provides get }
  global {
    limit = 3
    get = function(k){ ent:store{k} }
    say = defaction(name){ send_directive("say", {"name": name}) setting(d) return d{["options", "name"]} }
  }
  rule store {
    select when t store
    foreach [["a", 1], ["b", 2]] setting(pair)
    pre { k = pair[0] }
    if pair[1] > 0 then say(k) setting(r)
    fired {
      ent:store{[k, "v"]} := pair[1];
      ent:last_said := r;
      raise t event "done" attributes {"k": k} on final
    }
  }
  rule stop {
    select when t stop
    always { last; ent:never := 1 }
  }
}
)";

}  // namespace

TEST_CASE("rules: foreach, actions, defactions, ent paths, raise on final", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  int r = program->rule_index("store");
  REQUIRE(r == 0);
  RuleOutcome out = inst->run_rule(0, Map{}, ctx);
  CHECK(out.fired);
  CHECK(encode_json(host.get_ent("t.rs", "store")) == R"({"a":{"v":1},"b":{"v":2}})");
  CHECK(encode_json(host.get_ent("t.rs", "last_said")) == "\"b\"");
  REQUIRE(host.directives.size() == 2);
  CHECK(
      encode_json(host.directives[0]) ==
      R"({"type":"directive","name":"say","options":{"name":"a"},"meta":{"rid":"t.rs","rule_name":"store","txnId":null}})");
  REQUIRE(host.raised.size() == 1);  // on final: only the last iteration
  CHECK(encode_json(host.raised[0].attrs) == R"({"k":"b"})");

  CHECK(encode_json(inst->query("get", Args{{Value("a")}, {}}, ctx)) == R"({"v":1})");
  CHECK(encode_json(inst->query("limit", Args{}, ctx)) == "3");
  CHECK_THROWS_WITH(inst->query("nope", Args{}, ctx),
                    "Ruleset t.rs does not have query function \"nope\"");
  CHECK(inst->provides().contains("get"));
}

TEST_CASE("last stops the rule and rule selection", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  RuleOutcome out = inst->run_rule(1, Map{}, ctx);
  CHECK(out.last);
  CHECK(host.last);
  CHECK(host.get_ent("t.rs", "never").is_null());
}

TEST_CASE("select leaves: attribute captures, setting and where", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.sel {
  rule r {
    select when t ev name re#^(\w+)-(\d+)$# setting(who, n) where n.as("Number") > 5
    fired { ent:got := [who, n] }
  }
})");
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  const auto& sel = *program->rules()[0].select;
  REQUIRE(sel.kind == ast::EventExpr::Kind::Event);
  CHECK(sel.domain == "t");
  Map bindings;
  CHECK_FALSE(inst->match_leaf(0, sel.leaf, Value(Map{{"name", "bob-3"}}), Map{}, &bindings, ctx));
  CHECK_FALSE(inst->match_leaf(0, sel.leaf, Value(Map{}), Map{}, &bindings, ctx));
  REQUIRE(inst->match_leaf(0, sel.leaf, Value(Map{{"name", "bob-42"}}), Map{}, &bindings, ctx));
  inst->run_rule(0, bindings, ctx);
  CHECK(encode_json(host.get_ent("t.sel", "got")) == R"(["bob","42"])");
}

TEST_CASE("configure defaults and overrides", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.cfg {
  meta { configure using a = 1 b = 2  shares sum }
  global { sum = a + b }
})");
  EvalContext ctx;
  InstanceOptions opts;
  opts.config.set("b", Value(40));
  auto inst = RulesetInstance::create(program, opts, ctx);
  CHECK(encode_json(inst->query("sum", Args{}, ctx)) == "41");
}

TEST_CASE("ruleset static checks, all reported in source order", "[check]") {
  auto errors = check_ruleset_source(R"(ruleset t.bad {
  meta { shares missing }
  global { f = function(){ nope } }
  rule a { select when t a  fired { app:x := 1 } }
  rule a { select when t b  pre { y = zz:q } }
})",
                                     "bad.krl");
  std::vector<std::string> got;
  for (const auto& e : errors) got.push_back(e.format());
  REQUIRE(got.size() == 5);
  CHECK(got[0] == "bad.krl:2:17: Trying to share: missing but it's not defined in global");
  CHECK(got[1].find("bad.krl:3:") == 0);
  CHECK(got[1].find("Undefined id: nope") != std::string::npos);
  CHECK(got[2].find("PersistentVariableAssignment - only works on ent:* variables") !=
        std::string::npos);
  CHECK(got[3].find("Duplicate rule name: a") != std::string::npos);
  CHECK(got[4].find("Undefined domain: zz") != std::string::npos);
  CHECK(check_ruleset_source("ruleset ok { rule r { select when a b } }", "ok.krl").empty());
  auto syntax = check_ruleset_source("ruleset {", "s.krl");
  REQUIRE(syntax.size() == 1);
}

TEST_CASE("select where: one leaf on any event whose where is the expression", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.where {
  global { limit = 3 }
  rule r { select where limit > 2 && limit < 5 fired { ent:hit := true } }
  rule never { select where limit > 10 }
})");
  EvalContext ctx;
  auto inst = RulesetInstance::create(program, {}, ctx);
  const auto& sel = *program->rules()[0].select;
  CHECK(sel.kind == ast::EventExpr::Kind::Event);
  CHECK(sel.domain == "*");
  CHECK(sel.type == "*");
  CHECK(sel.needs_matcher);
  Map bindings;
  CHECK(inst->match_leaf(0, sel.leaf, Value(Map{}), Map{}, &bindings, ctx));
  CHECK(bindings.empty());
  const auto& never = *program->rules()[1].select;
  CHECK_FALSE(inst->match_leaf(1, never.leaf, Value(Map{}), Map{}, &bindings, ctx));
  // An undefined id in the where clause is a static error like any other.
  auto errors = check_ruleset_source("ruleset w { rule r { select where nope } }", "w.krl");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].format() == "w.krl:1:35: Undefined id: nope");
}

TEST_CASE("count/repeat aggregators: the grouped leaf binds the aggregator vars", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.agg {
  rule sum3 {
    select when count 3 (t reading temp re#(\d+)# unit re#(\w)#) sum(total, u)
    fired { ent:total := total }
  }
  rule maxset {
    select when repeat 2 (t reading temp re#(\d+)# setting(v)) max(m)
  }
  rule plain { select when t reading or count 2 (t other) push(p) }
})");
  EvalContext ctx;
  auto inst = RulesetInstance::create(program, {}, ctx);
  const auto& sum3 = *program->rules()[0].select;
  REQUIRE(sum3.kind == ast::EventExpr::Kind::Count);
  REQUIRE(sum3.aggregator);
  CHECK(sum3.aggregator->op == "sum");
  REQUIRE(sum3.args.size() == 1);
  CHECK(sum3.aggregator_leaf == sum3.args[0].leaf);
  CHECK(sum3.args[0].needs_matcher);
  CHECK(sum3.args[0].setting.empty());
  Map b;
  REQUIRE(inst->match_leaf(0, sum3.aggregator_leaf, Value(Map{{"temp", "71"}, {"unit", "F"}}),
                           Map{}, &b, ctx));
  CHECK(encode_json(Value(b)) == R"({"total":"71","u":"F"})");
  CHECK_FALSE(inst->match_leaf(0, sum3.aggregator_leaf, Value(Map{{"temp", "x"}}), Map{}, &b, ctx));

  // With setting(...) the leaf binds both, each to its captures by position.
  const auto& maxset = *program->rules()[1].select;
  REQUIRE(maxset.kind == ast::EventExpr::Kind::Repeat);
  CHECK(maxset.aggregator_leaf == maxset.args[0].leaf);
  REQUIRE(inst->match_leaf(1, maxset.aggregator_leaf, Value(Map{{"temp", "9"}}), Map{}, &b, ctx));
  CHECK(encode_json(Value(b)) == R"({"v":"9","m":"9"})");

  // A leaf without attributes still reads the aggregator (null: nothing captured);
  // a plain `domain type` leaf needs no matcher.
  const auto& plain = *program->rules()[2].select;
  REQUIRE(plain.kind == ast::EventExpr::Kind::Or);
  CHECK_FALSE(plain.args[0].needs_matcher);
  CHECK(plain.args[0].aggregator_leaf == -1);
  const auto& counted = plain.args[1];
  CHECK(counted.aggregator_leaf == counted.args[0].leaf);
  CHECK(counted.args[0].needs_matcher);
  REQUIRE(inst->match_leaf(2, counted.aggregator_leaf, Value(Map{}), Map{}, &b, ctx));
  CHECK(encode_json(Value(b)) == R"({"p":null})");
}

TEST_CASE("needs_matcher: only plain domain/type leaves skip match_leaf", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.nm {
  rule a { select when t a }
  rule b { select when t b x re#.#  }
  rule c { select when t c where true }
  rule d { select when t d setting(z) }
  rule e { select when t e before (t f or t g x re#1#) }
})");
  const auto& rules = program->rules();
  CHECK_FALSE(rules[0].select->needs_matcher);
  CHECK(rules[1].select->needs_matcher);
  CHECK(rules[2].select->needs_matcher);
  CHECK(rules[3].select->needs_matcher);
  const auto& e = *rules[4].select;
  CHECK_FALSE(e.args[0].needs_matcher);
  CHECK_FALSE(e.args[1].args[0].needs_matcher);
  CHECK(e.args[1].args[1].needs_matcher);
}

TEST_CASE("doubling a string in a recursion stops at max_string_bytes", "[eval][limits]") {
  auto program = testing::compile_program(R"(
ruleset t.big {
  meta { shares f }
  global { f = function(s, n) { n <= 0 => s | f(s + s, n - 1) } }
})");
  EvalContext ctx;
  ctx.limits.max_string_bytes = 1000;
  auto inst = RulesetInstance::create(program, {}, ctx);
  Args args;
  args.positional = {Value("ab"), Value(3)};
  CHECK(encode_json(inst->query("f", args, ctx)) == R"("abababababababab")");
  args.positional = {Value("ab"), Value(60)};
  try {
    inst->query("f", args, ctx);
    FAIL("no error");
  } catch (const KrlError& e) {
    CHECK(e.kind() == "RangeError");
    CHECK(e.message() == "String concatenation result exceeds max_string_bytes (1000 bytes)");
    CHECK(e.loc().line == 4);
  }
}
