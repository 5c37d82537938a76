// Ruleset, meta, rule, event expression, action block and postlude parsing,
// ported from the reference's krl-parser/test/{ruleset,eventExpressions,
// postludeStatements}.ts; plus the shipped rulesets and a speed check.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/krl/parser.h"
#include "tests/krl/ast_print.h"

namespace ast = spime::krl::ast;
using spime::krl::parse_ruleset;
using spime::krl::ParseError;
using spime::krl::test::print;

namespace {

std::unique_ptr<ast::Ruleset> parse_ok(const std::string& src) {
  ParseError err;
  auto rs = parse_ruleset(src, "t.krl", &err);
  INFO(err.format());
  REQUIRE(rs);
  return rs;
}

// "message|offset" of a failing parse, or "parsed".
std::string error_of(const std::string& src) {
  ParseError err;
  if (parse_ruleset(src, "t.krl", &err)) return "parsed";
  return err.message + "|" + std::to_string(err.loc.offset);
}

// The select of `rule a{select when <src> noop()}`.
std::string EE(const std::string& src) {
  std::string full = "ruleset a{rule a{select when " + src + " noop()}}";
  ParseError err;
  auto rs = parse_ruleset(full, "t.krl", &err);
  if (!rs) return "ERR " + err.message;
  return print(rs->rules.at(0).select.get());
}

// The action block of `rule r{<src>}`.
std::string AB(const std::string& src) {
  ParseError err;
  auto rs = parse_ruleset("ruleset a{rule r{" + src + "}}", "t.krl", &err);
  if (!rs) return "ERR " + err.message + "|" + std::to_string(err.loc.offset);
  const auto& r = rs->rules.at(0);
  return r.action_block ? print(*r.action_block) : "<none>";
}

// The postlude of `rule r{<src>}` as "fired: ...; else: ...; always: ...".
std::string PL(const std::string& src) {
  ParseError err;
  auto rs = parse_ruleset("ruleset a{rule r{" + src + "}}", "t.krl", &err);
  if (!rs) return "ERR " + err.message + "|" + std::to_string(err.loc.offset);
  const auto& p = rs->rules.at(0).postlude;
  if (!p) return "<none>";
  std::string out;
  if (p->has_fired) out += "fired: " + print(p->fired) + "; ";
  if (p->has_else) out += "else: " + print(p->notfired) + "; ";
  if (p->has_always) out += "always: " + print(p->always) + "; ";
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("parser: ruleset ids", "[parser]") {
  CHECK(parse_ok("ruleset rs {}")->rid == "rs");
  CHECK(parse_ok("ruleset one.two.three {}")->rid == "one.two.three");
  CHECK(parse_ok("ruleset io.picolabs.some-thing {}")->rid == "io.picolabs.some-thing");
  CHECK(parse_ok("ruleset A.B-b9.c {}")->rid == "A.B-b9.c");
  CHECK(parse_ok("ruleset function.not.ent.app.keys {}")->rid == "function.not.ent.app.keys");
  const std::string cannot_end =
      "`\nValid ruleset IDs are reverse domain name. i.e. `io.picolabs.some.cool.name`|";
  CHECK(error_of("ruleset one.two. {}") == "RulesetID cannot end with a `." + cannot_end + "16");
  CHECK(error_of("ruleset 1 {}") == "Expected RulesetID|8");
  CHECK(error_of("ruleset 1.2.3 {}") == "Expected RulesetID|8");
  CHECK(error_of("ruleset .wat {}") == "Expected RulesetID|8");
  CHECK(error_of("ruleset io. picolabs {}") ==
        "RulesetID cannot end with a `." + cannot_end + "11");
  CHECK(error_of("ruleset some -thing {}") == "Expected `{`|13");
  CHECK(error_of("ruleset some- thing {}") == "RulesetID cannot end with a `-" + cannot_end + "13");
  CHECK(error_of("ruleset a.b") == "Expected `{`|10");
  auto rs = parse_ok("ruleset a { version \"1.2\" }");
  CHECK(rs->version == "1.2");
  CHECK(rs->loc.line == 1);
}

TEST_CASE("parser: meta", "[parser]") {
  auto rs = parse_ok(R"(ruleset a {
    meta {
      name "N"
      description <<
  multi #{x} line>>
      author "me"
      version <<v1>>
      logging on
      shares x, y, z
      share w
      provides p1 ,p2
      provide p3
      use module io.picolabs.wrangler alias wrangler
      use module b.c version "2" with a = 1 and c = f(2) d = 3
      configure using x = 1; y = 2
      keys twitter {"k": "v"}
      errors to some.rid
      provides keys k1, k2 to r.one, r.two
    }
  })");
  const ast::Meta& m = rs->meta;
  CHECK(m.loc.line == 2);
  CHECK(m.name == "N");
  CHECK_FALSE(m.description);  // has a beesting: kept as an expression
  CHECK(m.author == "me");
  CHECK(m.version == "v1");
  CHECK(m.logging == true);
  REQUIRE(m.shares.size() == 4);
  CHECK(m.shares[2].second == "z");
  CHECK(m.shares[3].second == "w");
  CHECK(m.shares[0].first.line == 9);
  REQUIRE(m.provides.size() == 3);
  CHECK(m.provides[2].second == "p3");
  REQUIRE(m.use.size() == 2);
  CHECK(m.use[0].rid == "io.picolabs.wrangler");
  CHECK(m.use[0].alias == "wrangler");
  CHECK_FALSE(m.use[0].version);
  CHECK(m.use[1].rid == "b.c");
  CHECK(m.use[1].version == "2");
  CHECK_FALSE(m.use[1].alias);
  REQUIRE(m.use[1].with.size() == 3);
  CHECK(print(m.use[1].with[1].value.get()) == "(call f 2)");
  REQUIRE(m.configure.size() == 2);
  CHECK(m.configure[1].name == "y");
  REQUIRE(m.other.size() == 4);
  CHECK(m.other[0].first == "description");
  CHECK(print(m.other[0].second.get()) == "(<< \"\\n  multi \" x \" line\")");
  CHECK(m.other[1].first == "keys");
  CHECK(print(m.other[1].second.get()) == "{\"twitter\": {\"k\": \"v\"}}");
  CHECK(m.other[2].first == "errors");
  CHECK(print(m.other[2].second.get()) == "\"some.rid\"");
  CHECK(m.other[3].first == "provides_keys");
  CHECK(print(m.other[3].second.get()) == "[[\"k1\" \"k2\"] [\"r.one\" \"r.two\"]]");

  CHECK(parse_ok("ruleset a{meta{logging off}}")->meta.logging == false);
  CHECK(parse_ok("ruleset a{meta{configure using a = 1 b = 2}}")->meta.configure.size() == 2);
  // As the reference: `and` joins `with` declarations, not `configure` ones.
  CHECK(error_of("ruleset a{meta{configure using a = 1 and b = 2}}") == "Expected `}`|37");
  CHECK(error_of("ruleset a{meta{foo bar}}") == "Unsupported meta key: foo|15");
  CHECK(error_of("ruleset a{meta{logging yes}}") == "Expected `on` or `off`|23");
  CHECK(error_of("ruleset a{meta{name \"a\" name \"b\"}}") == "only 1 meta.name allowed|24");
  CHECK(error_of("ruleset a{meta{use module m with}}") == "Expected declarations after `with`|32");
  CHECK(error_of("ruleset a{meta{use module m with a = \"b\" and = \"d\"}}") ==
        "Expected a declaration|45");
  CHECK(error_of("ruleset a{meta{use module m with a = \"b\" with c = \"d\"}}") ==
        "Unsupported meta key: with|41");
  CHECK(error_of("ruleset a{meta{use m}}") == "Expected `module`|19");
  CHECK(error_of("ruleset a{meta{shares}}") == "Expected Identifier|21");
  CHECK(parse_ok("ruleset a{meta{use module m with a = \"b\" and c = \"d\" e = 1}}")
            ->meta.use[0]
            .with.size() == 3);
}

TEST_CASE("parser: global and rules", "[parser]") {
  auto rs = parse_ok(R"(ruleset a {
    global {
      a = 1; b = function(x){x + a}
      c = defaction(){ noop() }
    }
    rule r1 {}
    rule r2 is inactive { select when a b }
    rule r3 is active {
      select when a b
      foreach [1, 2] setting(x)
        foreach x setting(y, i)
      pre { one = 1; two = one + 1 }
      send_directive("x")
    }
    rule r4 { select where event:attr("x") }
  })");
  REQUIRE(rs->global.size() == 3);
  CHECK(rs->global[0].name == "a");
  CHECK(print(rs->global[1].value.get()) == "(fn (x) (+ x a))");
  REQUIRE(rs->rules.size() == 4);
  const auto& r1 = rs->rules[0];
  CHECK(r1.name == "r1");
  CHECK(r1.active);
  CHECK_FALSE(r1.select);
  CHECK_FALSE(r1.action_block);
  CHECK_FALSE(r1.postlude);
  CHECK(r1.loc.line == 6);
  CHECK(r1.loc.col == 5);
  CHECK_FALSE(rs->rules[1].active);
  const auto& r3 = rs->rules[2];
  REQUIRE(r3.foreach.size() == 2);
  CHECK(print(r3.foreach[0].expression.get()) == "[1 2]");
  CHECK(r3.foreach[1].setting == std::vector<std::string>{"y", "i"});
  REQUIRE(r3.pre.size() == 2);
  CHECK(print(r3.pre[1].value.get()) == "(+ one 1)");
  REQUIRE(r3.action_block);
  CHECK(print(*r3.action_block) == "(every (send_directive \"x\"))");
  CHECK(print(rs->rules[3].select_where.get()) == "(call event:attr \"x\")");

  CHECK(error_of("ruleset a{rule b is on{}}") == "Expected active and inactive|20");
  CHECK(error_of("ruleset a{rule b{select}}") == "Expected `when` or `where`|23");
  CHECK(error_of("ruleset a{rule b{select when}}") == "Expected an event expression|28");
  CHECK(error_of("ruleset a{rule b{select when foo}}") == "Expected `:`|32");
  CHECK(error_of("ruleset a{rule b{select when foo:}}") ==
        "Expected a bare word for the event type|33");
  CHECK(error_of("ruleset a{rule b{foreach x}}") == "Expected `setting`|26");
  CHECK(error_of("ruleset a{rule b{pre{a = 1 b}}}") == "Expected a declaration|27");
  CHECK(error_of("ruleset a{rule return{}}") == "Expected Identifier|15");
  CHECK(error_of("ruleset a{global{a = 1} global{}}") == "Expected `}`|24");
}

TEST_CASE("parser: event expressions", "[parser]") {
  CHECK(EE("a b") == "(ev a b)");
  CHECK(EE("a:b") == "(ev a b)");
  CHECK(EE("a b where c") == "(ev a b where c)");
  CHECK(EE("a b where 1 / (c - 2)") == "(ev a b where (/ 1 (- c 2)))");
  CHECK(EE("a b amt re#[0-9]{4}#") == "(ev a b amt~re#[0-9]{4}#)");
  CHECK(EE("a b amt re#([0-9]+)# setting(amt_n)") == "(ev a b amt~re#([0-9]+)# setting(amt_n))");
  CHECK(EE("a b c re#(.*)# d re#(.*)#i setting(e,f)") ==
        "(ev a b c~re#(.*)# d~re#(.*)#i setting(e f))");
  CHECK(EE("a b c re#(.*)# setting(e) where e > 1") ==
        "(ev a b c~re#(.*)# where (> e 1) setting(e))");
  CHECK(EE("a b where x setting(e)") == "(ev a b where x setting(e))");
  CHECK(EE("a b a re#.# setting(c) or d e a re#.# setting(f) before g h") ==
        "(or (ev a b a~re#.# setting(c)) (before (ev d e a~re#.# setting(f)) (ev g h)))");
  CHECK(EE("a b or c d or e f") == "(or (or (ev a b) (ev c d)) (ev e f))");
  CHECK(EE("a b and c d or e f") == "(or (and (ev a b) (ev c d)) (ev e f))");
  CHECK(EE("a b or c d and e f") == "(or (ev a b) (and (ev c d) (ev e f)))");
  CHECK(EE("a b and c d then e f") == "(and (ev a b) (then (ev c d) (ev e f)))");
  CHECK(EE("a b after c d before e f") == "(before (after (ev a b) (ev c d)) (ev e f))");
  CHECK(EE("(a b or c d) and e f") == "(and (or (ev a b) (ev c d)) (ev e f))");
  CHECK(EE("a b between(c d, e f)") == "(between (ev a b) (ev c d) (ev e f))");
  CHECK(EE("a b not\n  between ( c d,e f )") == "(not-between (ev a b) (ev c d) (ev e f))");
  CHECK(EE("a b or c d between(e f, g h)") == "(or (ev a b) (between (ev c d) (ev e f) (ev g h)))");
  CHECK(EE("any 2 (a b, c d, e f)") == "(any 2 (ev a b) (ev c d) (ev e f))");
  CHECK(EE("count 2 (a b)") == "(count 2 (ev a b))");
  CHECK(EE("repeat 2(a b)") == "(repeat 2 (ev a b))");
  CHECK(EE("and(a b, c d, e f)") == "(and (ev a b) (ev c d) (ev e f))");
  CHECK(EE("a b or and(c d, e f)") == "(or (ev a b) (and (ev c d) (ev e f)))");
  CHECK(EE("count 5 (a b) max(d)") == "(count 5 (ev a b) max(d))");
  for (const char* op : {"min", "max", "sum", "avg", "push"}) {
    CHECK(EE(std::string("repeat 5 (a b) ") + op + "(c)") ==
          std::string("(repeat 5 (ev a b) ") + op + "(c))");
  }
  CHECK(EE("before (a b, c d)") == "(before (ev a b) (ev c d))");
  CHECK(EE("then (a b, c d)") == "(then (ev a b) (ev c d))");
  CHECK(EE("after (a b, c d)") == "(after (ev a b) (ev c d))");
  CHECK(EE("or(a b, c d)") == "(or (ev a b) (ev c d))");
  CHECK(EE("wovyn heartbeat or wovynEmitter thingHeartbeat") ==
        "(or (ev wovyn heartbeat) (ev wovynEmitter thingHeartbeat))");

  CHECK(EE("count -1 (a b)") == "ERR Expected a positive integer");
  CHECK(EE("count 1.5 (a b)") == "ERR Expected a positive integer");
  CHECK(EE("count 2 (a b or c d)") == "ERR Expected `)`");
  CHECK(EE("any 2 a b") == "ERR Expected `(`");
  CHECK(EE("a b between(c d)") == "ERR Expected `,`");
  CHECK(EE("a b not c d") == "ERR Expected `between`");
  CHECK(EE("not a b") == "ERR Expected an event expression");
  CHECK(EE("a b setting x") == "ERR Expected `(`");

  // within
  ParseError err;
  auto rs =
      parse_ruleset("ruleset a{rule b{select when a b before c d within 5 minutes}}", "t", &err);
  REQUIRE(rs);
  REQUIRE(rs->rules[0].within);
  CHECK(print(rs->rules[0].within->amount.get()) == "5");
  CHECK(rs->rules[0].within->unit == "minutes");
  CHECK(rs->rules[0].within->loc.col == 45);
  CHECK(error_of("ruleset a{rule b{select when a b within 5 foobar}}") ==
        "Expected time period: "
        "[day,days,hour,hours,minute,minutes,month,months,second,seconds,week,weeks,year,years]|"
        "42");
  rs = parse_ruleset("ruleset a{rule b{select when a b within n + 1 hour}}", "t", &err);
  REQUIRE(rs);
  CHECK(print(rs->rules[0].within->amount.get()) == "(+ n 1)");

  // locations: an operator node starts where its left operand does
  rs = parse_ruleset("ruleset a{rule b{select when\n  x y or z w}}", "t", &err);
  REQUIRE(rs);
  CHECK(rs->rules[0].select->loc.line == 2);
  CHECK(rs->rules[0].select->loc.col == 3);
  CHECK(rs->rules[0].select->args[1]->loc.col == 10);
}

TEST_CASE("parser: action blocks", "[parser]") {
  CHECK(AB("select when a b send_directive(\"say\", {\"x\": 1})") ==
        "(every (send_directive \"say\" {\"x\": 1}))");
  CHECK(AB("noop();") == "(every (noop))");
  CHECK(AB("if true then blah()") == "(every if true (blah))");
  CHECK(AB("if a then every { b() c(1) setting(x); d:e(f = 2) }") ==
        "(every if a (b) (c 1 setting(x)) (d:e f=2))");
  CHECK(AB("if a then sample { b() c() }") == "(sample if a (b) (c))");
  CHECK(AB("every { one => a() two => b:c() }") == "(every (one => a) (two => b:c))");
  CHECK(AB("sample {}") == "(sample)");
  CHECK(AB("choose event:attr(\"x\") { one => a() two => b() }") ==
        "(choose on (call event:attr \"x\") (one => a) (two => b))");
  CHECK(AB("if c then choose x { one => a() }") == "(choose if c on x (one => a))");
  CHECK(AB("choose one{noop()}") == "(choose on one (noop))");
  CHECK(AB("choose (one{noop()}) {noop()}") == "(choose on (path one (call noop)) (noop))");
  CHECK(AB("event:send({\"eci\": e}) setting(r, s)") ==
        "(every (event:send {\"eci\": e} setting(r s)))");
  CHECK(AB("ctx:event(eci = x, domain = \"d\", type = \"t\")") ==
        "(every (ctx:event eci=x domain=\"d\" type=\"t\"))");
  CHECK(AB("fired {}") == "<none>");

  CHECK(AB("if true then") == "ERR Expected an action after `if ... then`|29");
  CHECK(AB("if true then fired {}") == "ERR Expected an action after `if ... then`|30");
  CHECK(AB("if true then notfired {}") == "ERR Expected an action after `if ... then`|30");
  CHECK(AB("if true then always {}") == "ERR Expected an action after `if ... then`|30");
  CHECK(AB("if foo == 2 then {\n one => blah(1)\n}") ==
        "ERR Expected `every`, `sample`, or `choose`|34");
  CHECK(AB("if foo == 2 then choose { noop() }") == "ERR Expected String|43");
  CHECK(AB("if x noop()") == "ERR Expected `then`|22");
  CHECK(AB("noop") == "ERR Expected `(`|21");
  CHECK(AB("every { noop() ") == "ERR Expected `}`|33");
  CHECK(AB("a() setting(1)") == "ERR Expected Identifier|29");
}

TEST_CASE("parser: postludes", "[parser]") {
  CHECK(PL("always { x = 1 }") == "always: (= x 1); ");
  CHECK(PL("fired { a = 1; b = 2 }") == "fired: (= a 1) (= b 2); ");
  CHECK(PL("fired { a = 1 } else { b = 2 } finally { c = 3 }") ==
        "fired: (= a 1); else: (= b 2); always: (= c 3); ");
  CHECK(PL("notfired { b = 2 } else { a = 1 }") == "fired: (= a 1); else: (= b 2); ");
  CHECK(PL("fired {} finally {}") == "fired: ; always: ; ");
  CHECK(PL("fired { ent:a := 1; ent:b{[\"c\", d]} := e; app:x := 2 }") ==
        "fired: (:= ent:a 1) (:= ent:b{[\"c\" d]} e) (:= app:x 2); ");
  CHECK(PL("fired { clear ent:a; clear ent:b{\"c\"} }") ==
        "fired: (clear ent:a) (clear ent:b{\"c\"}); ");
  CHECK(PL("fired { raise domain event \"type\" }") == "fired: (raise domain \"type\"); ");
  CHECK(PL("fired { raise domain event \"type\" for \"rid\" attributes {\"a\": 1} }") ==
        "fired: (raise domain \"type\" for \"rid\" attrs {\"a\": 1}); ");
  CHECK(PL("fired { raise event \"d:t\" attributes a }") ==
        "fired: (raise event \"d:t\" attrs a); ");
  CHECK(PL("fired { raise esproto event <<new_#{t}_reading>> }") ==
        "fired: (raise esproto (<< \"new_\" t \"_reading\")); ");
  CHECK(PL("fired { schedule d event \"t\" at time:add(time:now(), {\"minutes\": 5}) }") ==
        "fired: (schedule d \"t\" at (call time:add (call time:now) {\"minutes\": 5})); ");
  CHECK(PL("fired { schedule d event \"t\" repeat \"* * * * *\" attributes {} setting(id) }") ==
        "fired: (schedule d \"t\" repeat \"* * * * *\" attrs {} setting(id)); ");
  CHECK(PL("fired { schedule event \"d:t\" at x }") == "fired: (schedule event \"d:t\" at x); ");
  CHECK(PL("fired { log info \"a\"; log debug <<b>>; log warn 1; log error x }") ==
        "fired: (log info \"a\") (log debug (<< \"b\")) (log warn 1) (log error x); ");
  CHECK(PL("fired { error warn \"bad\"; error info x }") ==
        "fired: (error warn \"bad\") (error info x); ");
  CHECK(PL("fired { last }") == "fired: (last); ");
  CHECK(PL("fired { last if x > 1; ent:a := 1 on final; raise d event \"t\" if y }") ==
        "fired: (if (> x 1) (last)) (on-final (:= ent:a 1)) (if y (raise d \"t\")); ");
  CHECK(PL("always { on = 1 final = 2 }") == "always: (= on 1) (= final 2); ");

  CHECK(PL("fired { x.klog() }") == "ERR Expected a declaration|25");
  CHECK(PL("fired { raise }") == "ERR Expected `event`|31");
  CHECK(PL("fired { raise d \"t\" }") == "ERR Expected `event`|33");
  CHECK(PL("fired { schedule d event \"t\" }") == "ERR Expected `at` or `repeat`|46");
  CHECK(PL("fired { log \"x\" }") == "ERR Expected error or warn or info or debug|29");
  CHECK(PL("fired { ent:a = 1 }") == "ERR Expected `:=`|31");
  CHECK(PL("fired { clear a }") == "ERR Expected `:`|33");
  CHECK(PL("fired { a = 1 ") == "ERR Expected `}`|32");
  CHECK(PL("fired { a = 1 } else") == "ERR Expected `{`|37");

  // statement locations
  ParseError err;
  auto rs = parse_ruleset("ruleset a{rule r{fired{\n  ent:x := 1 if y\n}}}", "t", &err);
  REQUIRE(rs);
  const auto& s = rs->rules[0].postlude->fired.at(0);
  CHECK(s->kind == ast::Statement::Kind::Guarded);
  CHECK(s->loc.line == 2);
  CHECK(s->loc.col == 3);
  CHECK(s->statement->loc.col == 3);
}

TEST_CASE("parser: the shipped rulesets parse", "[parser]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(SPIME_SOURCE_DIR) / "rulesets";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".krl") continue;
    ++count;
    const std::string src = read_file(entry.path());
    ParseError err;
    auto rs = parse_ruleset(src, entry.path().filename().string(), &err);
    INFO(err.format());
    REQUIRE(rs);
    CHECK(rs->rid == entry.path().stem().string());
    CHECK_FALSE(rs->rules.empty());
  }
  CHECK(count >= 3);

  const std::string router = read_file(dir / "esproto_router.krl");
  auto rs = parse_ok(router);
  CHECK(rs->meta.name == "ESProto router");
  REQUIRE(rs->meta.configure.size() == 1);
  CHECK(rs->meta.configure[0].name == "low_battery_percent");
}

// The reference's own rulesets (wrangler, subscription, ...), when the
// reference sources are on this machine.
TEST_CASE("parser: the reference rulesets parse", "[parser]") {
  namespace fs = std::filesystem;
  const fs::path dir = "/work/ref/packages/pico-engine/krl";
  if (!fs::is_directory(dir)) return;
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".krl") continue;
    ++count;
    const std::string src = read_file(entry.path());
    ParseError err;
    auto rs = parse_ruleset(src, entry.path().filename().string(), &err);
    INFO(err.format());
    CHECK(rs);
  }
  CHECK(count >= 5);
}

TEST_CASE("parser: speed on a large ruleset", "[parser]") {
  std::string src = "ruleset big.one {\n  global {\n";
  int lines = 2;
  for (int i = 0; i < 20000; ++i) {
    src += "    f" + std::to_string(i) + " = function(a, b = 2) {\n";
    src += "      c = a{[\"k\", \"v\"]}.klog(\"c\") + b * 3 - -1;\n";
    src += "      c > 10 => <<big #{c}>> | [c, {\"x\": c.as(\"String\")}]\n";
    src += "    }\n";
    lines += 4;
  }
  src += "  }\n";
  for (int i = 0; i < 5000; ++i) {
    src += "  rule r" + std::to_string(i) + " {\n";
    src += "    select when d t x re#^(.*)$#i setting(x) or d u\n";
    src += "    pre { v = event:attr(\"v\") }\n";
    src += "    if v then send_directive(\"r\", {\"v\": v})\n";
    src += "    fired { ent:v := v; raise d event \"w\" attributes {\"v\": v} }\n";
    src += "  }\n";
    lines += 6;
  }
  src += "}\n";
  lines += 2;
  const auto start = std::chrono::steady_clock::now();
  ParseError err;
  auto rs = parse_ruleset(src, "big", &err);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(rs);
  CHECK(rs->global.size() == 20000);
  CHECK(rs->rules.size() == 5000);
  const double lines_per_sec = lines / secs;
  UNSCOPED_INFO("parsed " << lines << " lines in " << secs << " s: " << lines_per_sec
                          << " lines/s");
  // A floor against accidental quadratic work only: Debug builds on a loaded
  // 2-core machine run ~20x slower than Release (which does > 1M lines/s).
  CHECK(lines_per_sec > 10000);
}

TEST_CASE("parser: postlude statements from the reference tests", "[parser]") {
  auto fired = [](const std::string& src) { return PL("fired{" + src + "}"); };
  CHECK(fired("clear ent:foo") == "fired: (clear ent:foo); ");
  CHECK(fired("clear app:bar") == "fired: (clear app:bar); ");
  CHECK(fired("clear app:bar{key}") == "fired: (clear app:bar{key}); ");
  CHECK(fired("clear app:bar{[key]}") == "fired: (clear app:bar{[key]}); ");
  CHECK(fired("last if(x==4)") == "fired: (if (== x 4) (last)); ");
  CHECK(fired("last if x == 4") == "fired: (if (== x 4) (last)); ");
  CHECK(fired("log error {\"baz\": [1, 2]}") == "fired: (log error {\"baz\": [1 2]}); ");
  CHECK(fired("error error \"foo\"") == "fired: (error error \"foo\"); ");
  CHECK(fired("error info info") == "fired: (error info info); ");
  CHECK(fired("error debug debug()") == "fired: (error debug (call debug)); ");
  CHECK(fired("raise event \"foo:bar\" for \"some.rid.ok\"") ==
        "fired: (raise event \"foo:bar\" for \"some.rid.ok\"); ");
  CHECK(fired("raise event event") == "fired: (raise event event); ");
  CHECK(fired("raise event event attributes {}") == "fired: (raise event event attrs {}); ");
  CHECK(fired("schedule domain event \"type\" at \"time\" attributes {\"a\": 1} setting(foo)") ==
        "fired: (schedule domain \"type\" at \"time\" attrs {\"a\": 1} setting(foo)); ");
  CHECK(fired("schedule event \"foo:bar\" repeat \"5 0 * * *\"") ==
        "fired: (schedule event \"foo:bar\" repeat \"5 0 * * *\"); ");
  CHECK(fired("raise domain event \"type\" on final") ==
        "fired: (on-final (raise domain \"type\")); ");
  CHECK(fired("foo = bar on final") == "fired: (on-final (= foo bar)); ");
  CHECK(fired("foo = bar if baz > 0") == "fired: (if (> baz 0) (= foo bar)); ");
  CHECK(fired("ent:name := 1") == "fired: (:= ent:name 1); ");
  CHECK(fired("ent:user{[\"firstname\"]} := \"bob\"") ==
        "fired: (:= ent:user{[\"firstname\"]} \"bob\"); ");
  CHECK(PL("always{aaa=one();bbb=two()}") == "always: (= aaa (call one)) (= bbb (call two)); ");
  CHECK(AB("select when foo bar http:post(\"url\", qs = {\"foo\": \"bar\"})") ==
        "(every (http:post \"url\" qs={\"foo\": \"bar\"}))");
  CHECK(AB("select when foo bar http:post(\"url\") setting(resp)") ==
        "(every (http:post \"url\" setting(resp)))");
}

TEST_CASE("parser: rule and ruleset locations", "[parser]") {
  auto rs = parse_ok("ruleset rs {\n  rule r1 {}\n  rule r2 {}\n}");
  CHECK(rs->loc.offset == 0);
  REQUIRE(rs->rules.size() == 2);
  CHECK(rs->rules[0].loc.offset == 15);
  CHECK(rs->rules[1].loc.offset == 28);
  CHECK(rs->rules[1].loc.line == 3);
  CHECK(rs->rules[1].loc.col == 3);
}
