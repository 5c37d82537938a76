// Fuzz target: KRL source through the lexer, the parser and the compiler.
//
// The input is a ruleset (or a statement list) as `spime krl check` reads it:
// check_ruleset_source runs the parser and, when it parses, every static
// check of the compiler; the lexer and the expression parser also see it
// alone. Nothing is run. Seeds: tests/fuzz/corpus/krl_compile, rulesets/,
// ../shared/reference/test-rulesets (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "engine/krl/compiler.h"
#include "engine/krl/lexer.h"
#include "engine/krl/parser.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime::krl;
  const auto source = spime::fuzz::as_text(data, size);
  (void)tokenize(source);
  ParseError error;
  (void)parse_expression(source, "fuzz.krl", &error);
  (void)check_ruleset_source(source, "fuzz.krl");
  return 0;
}
