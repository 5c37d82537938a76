// Closures and the frames they capture form reference cycles; the evaluator
// breaks them when the evaluation (or the instance) that made them ends
// (eval_nodes.h, FrameArena). A cycle that survives keeps its closure's
// code unit, and so the whole compiled Program, alive: each test drops the
// instance and the program and checks that the Program was freed.
#include <memory>

#include "tests/krl/eval_test_util.h"

using namespace spime::krl;

namespace {

const char* kRuleset = R"(
ruleset t.cycles {
  meta { shares local, curried, recursive, adder_of_globals }
  global {
    make_adder = function(n) { function(x) { x + n } }
    add_ten = make_adder(10)
    adder_of_globals = function(x) { add_ten(x) }
    local = function(x) { twice = function(y) { y * 2 }; twice(x) }
    curried = function(a, b) { make_adder(a)(b) }
    recursive = function(n) {
      down = function(k) { k <= 0 => 0 | 1 + down(k - 1) };
      down(n)
    }
  }
  rule pre_function {
    select when t pre
    pre {
      double = function(x) { x * 2 }
      add_one = make_adder(1)
      both = {"f": double, "g": [add_one]}
    }
    always { ent:got := [double(2), add_one(2), both{"f"}(3), both{"g"}[0](3)] }
  }
  rule where_function {
    select when t where v re#(\d+)# setting(v)
      where (function(x) { x.as("Number") > 5 })(v)
    always { ent:where := v }
  }
}
)";

// Drops the given references to an instance and its program: true when the
// program went with them (no cycle kept it).
bool freed_when_dropped(std::shared_ptr<RulesetInstance>& inst,
                        std::shared_ptr<const Program>& program) {
  std::weak_ptr<const Program> watch = program;
  inst.reset();
  program.reset();
  return watch.expired();
}

}  // namespace

TEST_CASE("closure cycles: a rule's local functions are freed with its run", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  for (int i = 0; i < 3; ++i) inst->run_rule(0, Map{}, ctx);
  CHECK(encode_json(host.get_ent("t.cycles", "got")) == "[4,3,6,4]");
  CHECK(freed_when_dropped(inst, program));
}

TEST_CASE("closure cycles: queries' local and recursive functions are freed", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  CHECK(encode_json(inst->query("local", Args{{Value(4.0)}, {}}, ctx)) == "8");
  CHECK(encode_json(inst->query("curried", Args{{Value(2.0), Value(3.0)}, {}}, ctx)) == "5");
  CHECK(encode_json(inst->query("recursive", Args{{Value(25.0)}, {}}, ctx)) == "25");
  // A closure made with the globals keeps working for the instance's life.
  CHECK(encode_json(inst->query("adder_of_globals", Args{{Value(1.0)}, {}}, ctx)) == "11");
  CHECK(encode_json(inst->query("adder_of_globals", Args{{Value(2.0)}, {}}, ctx)) == "12");
  CHECK(freed_when_dropped(inst, program));
}

TEST_CASE("closure cycles: a failed rule run frees its functions too", "[eval]") {
  auto program = testing::compile_program(R"(
ruleset t.fails {
  rule r {
    select when t fail
    pre {
      f = function(x) { x(1) }
      g = function(y) { f(y) }
    }
    always { ent:x := g(1) }
  }
})");
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  CHECK_THROWS(inst->run_rule(0, Map{}, ctx));
  CHECK(freed_when_dropped(inst, program));
}

TEST_CASE("closure cycles: select-when where functions are freed", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  MemoryHost host;
  EvalContext ctx;
  ctx.host = &host;
  auto inst = RulesetInstance::create(program, {}, ctx);
  Map bound;
  CHECK(inst->match_leaf(1, 0, Value(Map{{"v", Value("7")}}), Map{}, &bound, ctx));
  CHECK_FALSE(inst->match_leaf(1, 0, Value(Map{{"v", Value("3")}}), Map{}, &bound, ctx));
  CHECK(freed_when_dropped(inst, program));
}

TEST_CASE("closure cycles: an instance's global closures are freed with it", "[eval]") {
  auto program = testing::compile_program(kRuleset);
  EvalContext ctx;
  auto first = RulesetInstance::create(program, {}, ctx);
  auto inst = RulesetInstance::create(program, {}, ctx);
  CHECK(encode_json(inst->query("adder_of_globals", Args{{Value(5.0)}, {}}, ctx)) == "15");
  first.reset();
  CHECK(freed_when_dropped(inst, program));
}
