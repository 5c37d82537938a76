// Verdicts as the reference compiler's (packages/krl-compiler): a ruleset is
// refused exactly when it refuses it. Each case is a difference found between
// the two (in real-world rulesets or by mutating them), with the reference's
// verdict and message, and what the accepted cases do when run.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/krl/compiler.h"
#include "engine/krl/memory_host.h"
#include "engine/krl/parser.h"

using namespace spime::krl;

namespace {

using Lines = std::vector<std::string>;

// The errors of check_ruleset_source (warnings left out).
Lines errors(const std::string& src, const CompileOptions* options = nullptr) {
  Lines out;
  for (const auto& e : check_ruleset_source(src, "t.krl", options)) {
    if (!e.warning) out.push_back(e.format());
  }
  return out;
}

Lines warnings(const std::string& src, const CompileOptions* options = nullptr) {
  Lines out;
  for (const auto& e : check_ruleset_source(src, "t.krl", options)) {
    if (e.warning) out.push_back(e.format());
  }
  return out;
}

bool accepted(const std::string& src) {
  return !has_errors(check_ruleset_source(src, "t.krl"));
}

std::shared_ptr<const Program> compile_src(const std::string& src) {
  ParseError perr;
  auto rs = parse_ruleset(src, "t.krl", &perr);
  INFO(perr.format());
  REQUIRE(rs);
  std::vector<CompileError> errs;
  CompileOptions options;
  options.file = "t.krl";
  auto p = compile_ruleset(*rs, options, &errs);
  INFO((errs.empty() ? std::string() : errs[0].format()));
  REQUIRE(p);
  return p;
}

// The KrlError of querying `name` ("<kind>: <message>").
std::string query_error(const RulesetInstance& inst, const std::string& name, EvalContext& ctx) {
  try {
    inst.query(name, Args{}, ctx);
  } catch (const KrlError& e) {
    return e.kind() + ": " + e.message();
  }
  return "<no error>";
}

}  // namespace

TEST_CASE("reference: __testing is defined in the root scope", "[check][reference]") {
  // Shared without a definition (many real-world rulesets do).
  CHECK(accepted("ruleset a { meta { shares __testing } }"));
  CHECK(accepted("ruleset a { meta { provides __testing } global { x = __testing } }"));
  // It is a Map: "Not a function: Map".
  CHECK(errors("ruleset a { global { x = __testing() } }") ==
        Lines{"t.krl:1:26: Not a function: Map"});
  // A global may shadow it; a defaction so named cannot be shared.
  CHECK(
      accepted("ruleset a { meta { shares __testing } global { __testing = function() { 1 } } }"));
  CHECK(errors("ruleset a { meta { shares __testing } global { __testing = defaction() { noop() } "
               "} }") == Lines{"t.krl:1:27: Actions must not be shared: __testing"});
}

TEST_CASE("reference: the __testing query describes queries and events", "[eval][reference]") {
  auto program = compile_src(R"(ruleset t.testing {
  meta { shares __testing, hello, n }
  global {
    hello = function(obj, greeting = "hi") { greeting + obj }
    n = 3
  }
  rule say {
    select when say hello name re#(.*)# setting(who) or say bye
    pre { loud = event:attr("loud") || event:attrs{"shout"} || event:attrs.get("yell") }
  }
  rule other { select when other thing }
  rule off is inactive { select when off thing }
})");
  EvalContext ctx;
  auto inst = RulesetInstance::create(program, InstanceOptions{}, ctx);
  CHECK(encode_json(inst->query("__testing", Args{}, ctx)) ==
        R"({"queries":[{"name":"__testing","args":[]},{"name":"hello","args":["obj","greeting"]},)"
        R"({"name":"n","args":[]}],"events":[{"domain":"say","name":"hello","attrs":["name",)"
        R"("loud","shout","yell"]},{"domain":"say","name":"bye","attrs":["loud","shout","yell"]},)"
        R"({"domain":"other","name":"thing","attrs":[]}]})");
  // Not shared, it is still a query (the reference always answers it).
  auto unshared = compile_src("ruleset t.u { rule r { select when a b } }");
  auto inst2 = RulesetInstance::create(unshared, InstanceOptions{}, ctx);
  CHECK(encode_json(inst2->query("__testing", Args{}, ctx)) ==
        R"({"queries":[],"events":[{"domain":"a","name":"b","attrs":[]}]})");
  // What the reference's description makes of operators shared, JavaScript
  // key order and the keys lodash will not set.
  auto quirks = compile_src(R"(ruleset t.q {
  meta { shares __testing, length }
  rule prototype { select when c d }
  rule r2 {
    select when constructor x or e f
    pre { a = event:attr("constructor") b = event:attr("2") c = event:attr("1") }
  }
  rule r3 { select when e prototype }
  rule r4 { select when e f }
})");
  auto inst5 = RulesetInstance::create(quirks, InstanceOptions{}, ctx);
  CHECK(encode_json(inst5->query("__testing", Args{}, ctx)) ==
        R"({"queries":[{"name":"__testing","args":[]},{"name":"length","args":null}],)"
        R"("events":[{"domain":"e","name":"f","attrs":["1","2"]},)"
        R"({"domain":"e","name":"f","attrs":[]}]})");
  // Attributes in the order the reference compiles them: a foreach last, and
  // nothing of `raise ... for`.
  auto order = compile_src(R"(ruleset t.a {
  rule r {
    select when a b
    foreach event:attr("f") setting(x)
    pre { p = event:attr("p") }
    always { raise a event "c" for event:attr("q") }
  }
})");
  auto inst6 = RulesetInstance::create(order, InstanceOptions{}, ctx);
  CHECK(encode_json(inst6->query("__testing", Args{}, ctx)) ==
        R"({"queries":[],"events":[{"domain":"a","name":"b","attrs":["p","f"]}]})");
  // A global __testing is the answer instead.
  auto own = compile_src(
      "ruleset t.o { meta { shares __testing } global { __testing = {\"mine\": true} } }");
  auto inst3 = RulesetInstance::create(own, InstanceOptions{}, ctx);
  CHECK(encode_json(inst3->query("__testing", Args{}, ctx)) == R"({"mine":true})");
  // ... which may read the generated one (the reference's testing.krl).
  auto reads = compile_src(R"(ruleset t.r {
  global { __testing = {"queries": [{"name": "joke"}], "event": __testing["events"]} }
  rule say_hello { select when say hello  always { ent:said := event:attrs{"name"} } }
})");
  auto inst4 = RulesetInstance::create(reads, InstanceOptions{}, ctx);
  CHECK(
      encode_json(inst4->query("__testing", Args{}, ctx)) ==
      R"({"queries":[{"name":"joke"}],"event":[{"domain":"say","name":"hello","attrs":["name"]}]})");
}

TEST_CASE("reference: any domain compiles — unknown ones fail when run", "[check][reference]") {
  // An action or function of a module the compiler does not know: the
  // reference resolves `domain:name` only when it runs.
  const std::string src = R"(ruleset a {
  meta { shares f }
  global { f = function() { email:address(1) } }
  rule r { select when a b  email:connect(x = 1) }
})";
  CHECK(errors(src).empty());
  CHECK(warnings(src) == Lines{"t.krl:3:29: warning: Undefined domain: email",
                               "t.krl:4:29: warning: Undefined domain: email"});
  EvalContext ctx;
  auto inst = RulesetInstance::create(compile_src(src), InstanceOptions{}, ctx);
  CHECK(query_error(*inst, "f", ctx) == "TypeError: Undefined domain: email");
  // Its arguments are checked all the same.
  CHECK(errors("ruleset a { global { f = function() { pods:put(nope) } } }") ==
        Lines{"t.krl:1:48: Undefined id: nope"});
  // A lone expression (spime krl eval) has nothing to resolve later.
  ParseError perr;
  auto e = parse_expression("foo:bar(1)", "x", &perr);
  REQUIRE(e);
  std::vector<CompileError> errs;
  CHECK_FALSE(compile_expression(*e, CompileOptions{}, &errs));
}

TEST_CASE("reference: the stdlib domain", "[eval][reference]") {
  EvalContext ctx;
  auto inst = RulesetInstance::create(
      compile_src("ruleset a { meta { shares n } global { n = stdlib:length([1, 2, 3]) } }"),
      InstanceOptions{}, ctx);
  CHECK(encode_json(inst->query("n", Args{}, ctx)) == "3");
}

TEST_CASE("reference: a used module's members are resolved when called", "[eval][reference]") {
  class Provides : public ModuleResolver {
   public:
    std::optional<std::vector<std::string>> provided_names(std::string_view) override {
      return std::vector<std::string>{"present"};
    }
  } resolver;
  const std::string src = R"(ruleset a {
  meta { use module lib alias k  shares ok, bad }
  global { ok = function() { k:present() } bad = function() { k:rulesetByRID("x") } }
  rule r { select when a b  k:absentAction() }
})";
  CompileOptions options;
  options.modules = &resolver;
  // Installation used to refuse it ("Module k does not provide rulesetByRID").
  CHECK(errors(src, &options).empty());
  CHECK(warnings(src, &options) ==
        Lines{"t.krl:3:63: warning: Module k does not provide rulesetByRID",
              "t.krl:4:29: warning: Module k does not provide absentAction"});
  ParseError perr;
  auto rs = parse_ruleset(src, "t.krl", &perr);
  REQUIRE(rs);
  std::vector<CompileError> errs;
  options.file = "t.krl";
  auto program = compile_ruleset(*rs, options, &errs);
  REQUIRE(program);
  CHECK(errs.empty());
  InstanceOptions io;
  io.use_module = [](const UseModuleSpec&, const Map&, EvalContext&) {
    Map m;
    m.set("present", Value(7));
    return m;
  };
  EvalContext ctx;
  auto inst = RulesetInstance::create(program, io, ctx);
  // As the reference: the missing member is null, and calling null fails.
  CHECK(query_error(*inst, "bad", ctx) == "TypeError: null is not a function");
}

TEST_CASE("reference: meta properties its compiler does not support", "[check][reference]") {
  CHECK(errors("ruleset a { meta { keys twitter {\"k\": \"v\"} } }") ==
        Lines{"t.krl:1:20: RulesetMetaProperty not supported: keys"});
  CHECK(errors("ruleset a { meta { errors to b.c } }") ==
        Lines{"t.krl:1:20: RulesetMetaProperty not supported: errors"});
  CHECK(errors("ruleset a { meta { provides keys k to b.c } }") ==
        Lines{"t.krl:1:20: RulesetMetaProperty not supported: provides_keys"});
  // Meta expressions are compiled: a name there must be defined.
  CHECK(errors("ruleset a { meta { name x } }") == Lines{"t.krl:1:25: Undefined id: x"});
  CHECK(accepted("ruleset a { meta { name <<n#{length}>> } }"));
}

TEST_CASE("reference: one meta version, and a meta block for it", "[check][reference]") {
  // `ruleset a { version "1" }` adds a version to a meta block that is not there.
  CHECK(errors("ruleset a { version \"1\" }") ==
        Lines{"t.krl:1:1: ruleset{version ...} needs a meta block"});
  CHECK(accepted("ruleset a { version \"1\" meta { name \"n\" } }"));
  CHECK(errors("ruleset a { version \"1\" meta { version \"2\" } }") ==
        Lines{"t.krl:1:25: only 1 meta.version allowed"});
  // For the reference `use module b version "2"` is the meta block's version.
  CHECK(accepted("ruleset a { meta { use module b version \"2\" } }"));
  CHECK(errors("ruleset a { meta { use module b version \"2\" version \"3\" } }") ==
        Lines{"t.krl:1:13: only 1 meta.version allowed"});
}

TEST_CASE("reference: names that every JavaScript object has", "[check][reference]") {
  CHECK(errors("ruleset a { rule constructor { select when a b } }") ==
        Lines{"t.krl:1:13: Duplicate rule name: constructor"});
  CHECK(errors("ruleset a { rule toString { select when a b } }") ==
        Lines{"t.krl:1:13: Duplicate rule name: toString"});
  CHECK(accepted("ruleset a { rule prototype { select when a b } }"));
  CHECK(errors("ruleset a { global { f = function(valueOf) { 1 } } }") ==
        Lines{"t.krl:1:35: Duplicate parameter: valueOf"});
  CHECK(errors("ruleset a { global { hasOwnProperty = function() { 1 } } }") ==
        Lines{"t.krl:1:22: Cannot declare a function named hasOwnProperty"});
  CHECK(accepted("ruleset a { global { constructor = 1 } }"));
  CHECK(errors("ruleset a { global { x = constructor } }") ==
        Lines{"t.krl:1:26: Undefined id: constructor"});
}

TEST_CASE("reference: what a name is known to be", "[check][reference]") {
  // noop is an ActionFunction: an action, not a function.
  CHECK(errors("ruleset a { global { x = noop() } }") ==
        Lines{"t.krl:1:26: Not a function: ActionFunction"});
  // select-when setting variables are strings.
  CHECK(errors("ruleset a { rule r { select when a b x re#(.)# setting(v) pre { y = v() } } }") ==
        Lines{"t.krl:1:69: Not a function: String"});
  CHECK(errors("ruleset a { rule r { select when a b x re#(.)# setting(v) pre { w = v } "
               "if true then w() } }") == Lines{"t.krl:1:86: Not an action: String"});
  // A declaration `g = f` is what f is; a parameter default too.
  CHECK(errors("ruleset a { global { f = function(x) { x } } rule r { select when a b "
               "pre { g = f } g() } }") == Lines{"t.krl:1:85: Not an action: Function"});
  CHECK(errors("ruleset a { global { f = function(g = send_directive) { g() } } }") ==
        Lines{"t.krl:1:57: Not a function: Action"});
  CHECK(accepted("ruleset a { global { f = function(g = length) { g() } } }"));
  // Before the second pass compiles them, functions are of unknown type: a
  // defaction may use one declared before it as an action (checked when run).
  CHECK(accepted("ruleset a { global { f = function() { 1 } act = defaction() { f() } } }"));
}

TEST_CASE("reference: a defaction is an ordinary declaration", "[check][reference]") {
  // Not named ahead as functions are: it sees only what is declared before it.
  CHECK(errors("ruleset a { global { act = defaction() { f() } f = function() { 1 } } }") ==
        Lines{"t.krl:1:42: Undefined id: f"});
  CHECK(errors("ruleset a { global { act = defaction() { act() } } }") ==
        Lines{"t.krl:1:42: Undefined id: act"});
  CHECK(errors("ruleset a { global { x = act act = defaction() { noop() } } }") ==
        Lines{"t.krl:1:26: Undefined id: act"});
  CHECK(accepted("ruleset a { global { f = function() { act } act = defaction() { noop() } } }"));
}

TEST_CASE("reference: shares and provides in the root scope", "[check][eval][reference]") {
  CHECK(accepted("ruleset a { meta { shares length, noop  provides send_directive, map } }"));
  CHECK(errors("ruleset a { meta { shares send_directive } }") ==
        Lines{"t.krl:1:27: Actions must not be shared: send_directive"});
  EvalContext ctx;
  auto inst = RulesetInstance::create(compile_src("ruleset a { meta { shares length } }"),
                                      InstanceOptions{}, ctx);
  CHECK(inst->query("length", Args{{Value("abcd")}, {}}, ctx).as_number() == 4);
}

TEST_CASE("reference: meta configure and use in their order", "[check][reference]") {
  CHECK(errors("ruleset a { meta { use module b with c = d  configure using d = 1 } }") ==
        Lines{"t.krl:1:42: Undefined id: d"});
  CHECK(accepted("ruleset a { meta { configure using d = 1  use module b with c = d } }"));
}

TEST_CASE("reference: rule parts compiled out of order or not at all", "[check][reference]") {
  // `raise ... for <rids>`: the reference compiles nothing of it.
  const std::string raise =
      "ruleset a { rule r { select when a b always { raise a event \"b\" for nope } } }";
  CHECK(errors(raise).empty());
  CHECK(warnings(raise) == Lines{"t.krl:1:69: warning: Undefined id: nope"});
  // A foreach expression is compiled after the rule body.
  CHECK(accepted("ruleset a { rule r { select when a b foreach x setting(y) pre { x = [1] } } }"));
  CHECK(errors("ruleset a { rule r { select when a b foreach zz setting(y) } }") ==
        Lines{"t.krl:1:46: Undefined id: zz"});
}

TEST_CASE("reference: a foreach keeps reading what it read in place", "[eval][reference]") {
  auto program = compile_src(R"(ruleset t.fe {
  global { items = [1, 2] }
  rule r {
    select when a b
    foreach items setting(x)
    pre { y = x * 10 }
    always { ent:sum := ent:sum.defaultsTo(0) + y }
  }
})");
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, InstanceOptions{}, ctx);
  inst->run_rule(0, Map{}, ctx);
  CHECK(encode_json(host.get_ent("t.fe", "sum")) == "30");
}

TEST_CASE("reference: a source that is not a ruleset", "[check][reference]") {
  // Comments only, or declarations and expressions: compiled, not installable.
  CHECK(errors("// nothing here\n").empty());
  CHECK(warnings("  \n") ==
        Lines{"t.krl:1:1: warning: not a ruleset (no `ruleset <rid> {...}`): it cannot be "
              "installed"});
  CHECK(errors("x = 1; x + 2\ny = function() { y() }").empty());
  CHECK(errors("x = 1\nfoo") == Lines{"t.krl:2:1: Undefined id: foo"});
  CHECK(errors("x = 1 ; ;") == Lines{"t.krl:1:9: Expected an expression"});
  // No source at all is refused.
  CHECK(errors("") == Lines{"t.krl:1:1: Empty source: not a ruleset"});
}
