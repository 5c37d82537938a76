// Fuzz target: one KRL expression parsed, compiled and evaluated, as
// `spime krl eval` does (cli/krl_command.cpp), without a pico (no host).
//
// Bounded: at most 200,000 evaluation steps, strings of 1 MiB, collections
// of 65,536 elements and a call depth of 200 (krl/limits.h), so an input
// either answers, or fails with a KrlError, quickly. Randomness (random:*,
// sample) has a fixed seed so a crash reproduces from its input; time:now()
// is the only other outside input.
#include <cstddef>
#include <cstdint>

#include "engine/krl/callable.h"
#include "engine/krl/compiler.h"
#include "engine/krl/error.h"
#include "engine/krl/parser.h"
#include "engine/krl/value.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime::krl;
  const auto source = spime::fuzz::as_text(data, size);
  ParseError parse_error;
  ast::ExprPtr expr = parse_expression(source, "<fuzz>", &parse_error);
  if (!expr) return 0;
  CompileOptions options;
  options.file = "<fuzz>";
  std::vector<CompileError> errors;
  auto compiled = compile_expression(*expr, options, &errors);
  if (!compiled) return 0;
  EvalContext ctx;
  ctx.limits.max_steps = 200'000;
  ctx.limits.max_string_bytes = 1u << 20;
  ctx.limits.max_collection_size = 1u << 16;
  ctx.limits.max_call_depth = 200;
  ctx.rng_state.emplace(20261206);
  try {
    Value v = compiled->evaluate(ctx);
    (void)encode_json(v);
  } catch (const KrlError&) {
  }
  return 0;
}
