// The wall-clock budget of one evaluation (EvalContext::start_budget): work
// that would run for many seconds stops with an error naming the budget
// within a little of it, also when the time goes into builtins whose cost
// grows with their input rather than into evaluation steps.
#include <chrono>
#include <string>

#include "tests/krl/eval_test_util.h"

using namespace spime::krl;
using namespace spime::krl::testing;

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kBudget{300};
// How far past the budget an evaluation may run before it notices: a clock
// check is at most kWorkPerClockCheck units of work away (microseconds),
// plus whatever the machine is doing meanwhile.
constexpr std::chrono::milliseconds kSlack{700};

struct Timed {
  std::string error;
  std::chrono::milliseconds took{0};
  bool over_budget = false;
};

Timed run_with_budget(const std::string& src, std::chrono::milliseconds budget) {
  EvalContext ctx;
  ctx.limits.max_steps = ~std::uint64_t{0};  // only the clock stops it
  ctx.start_budget(budget);
  Timed t;
  const auto t0 = Clock::now();
  try {
    eval(src, nullptr, &ctx);
  } catch (const KrlError& e) {
    t.error = e.message();
  }
  t.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  t.over_budget = ctx.over_budget;
  return t;
}

void check_stopped(const Timed& t) {
  INFO("error: " << t.error << "; took " << t.took.count() << " ms");
  CHECK(t.over_budget);
  CHECK_THAT(t.error, Catch::Contains("time budget exceeded") && Catch::Contains("300 ms"));
  CHECK(t.took >= kBudget);
  CHECK(t.took < kBudget + kSlack);
}

}  // namespace

TEST_CASE("time budget: a quadratic reduce building a map with put stops at the budget",
          "[eval][budget]") {
  // 200,000 puts, each copying the map built so far: minutes of work.
  check_stopped(run_with_budget(
      R"(1.range(200000).reduce(function(m, i) { m.put("k" + i, i) }, {}))", kBudget));
}

TEST_CASE("time budget: many cheap steps stop at the budget", "[eval][budget]") {
  // About 150 million steps of arithmetic: seconds.
  check_stopped(run_with_budget(
      "1.range(1000000).reduce(function(a, i){ 1.range(30).reduce(function(b, j){ b + j }, a) }, "
      "0)",
      kBudget));
}

TEST_CASE("time budget: string building stops at the budget", "[eval][budget]") {
  // Each turn copies a string of up to 1 MB: few steps, much copying.
  check_stopped(run_with_budget(
      R"(1.range(1000000).reduce(function(s, i) { (s + "abcdefgh").substr(0, 1000000) }, ""))",
      kBudget));
}

TEST_CASE("time budget: none set, or not reached, changes nothing", "[eval][budget]") {
  EvalContext ctx;
  ctx.start_budget(std::chrono::milliseconds(0));
  CHECK(encode_json(eval("1.range(1000).reduce(function(a, i){ a + i }, 0)", nullptr, &ctx)) ==
        "500500");
  CHECK_FALSE(ctx.over_budget);
  EvalContext roomy;
  roomy.start_budget(std::chrono::milliseconds(60000));
  CHECK(encode_json(eval("1.range(1000).reduce(function(a, i){ a + i }, 0)", nullptr, &roomy)) ==
        "500500");
  CHECK_FALSE(roomy.over_budget);
}
