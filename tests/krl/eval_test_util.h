// Helpers for the evaluator tests: parse + compile + evaluate.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "engine/krl/compiler.h"
#include "engine/krl/memory_host.h"
#include "engine/krl/parser.h"

namespace spime::krl::testing {

// Evaluates `src` as one expression; fails the test on parse/compile errors.
inline Value eval(const std::string& src, Host* host = nullptr, EvalContext* ctx_in = nullptr) {
  ParseError perr;
  auto e = parse_expression(src, "test", &perr);
  INFO(perr.format());
  REQUIRE(e);
  std::vector<CompileError> errors;
  auto compiled = compile_expression(*e, CompileOptions{}, &errors);
  INFO((errors.empty() ? std::string() : errors[0].format()));
  REQUIRE(compiled);
  EvalContext local;
  EvalContext& ctx = ctx_in ? *ctx_in : local;
  ctx.host = host;
  return compiled->evaluate(ctx);
}

inline std::string eval_json(const std::string& src) {
  return encode_json(eval(src));
}

// The compile errors of one expression.
inline std::vector<CompileError> compile_errors(const std::string& src) {
  ParseError perr;
  auto e = parse_expression(src, "test", &perr);
  REQUIRE(e);
  std::vector<CompileError> errors;
  CompileOptions opts;
  opts.file = "test";
  compile_expression(*e, opts, &errors);
  return errors;
}

// The KrlError message of evaluating `src`.
inline std::string eval_error(const std::string& src) {
  try {
    eval(src);
  } catch (const KrlError& e) {
    return e.kind() + ": " + e.message();
  }
  return "<no error>";
}

// Parses and compiles a whole ruleset (file "t.krl"); fails the test on errors.
inline std::shared_ptr<const Program> compile_program(const std::string& src) {
  ParseError perr;
  auto rs = parse_ruleset(src, "t.krl", &perr);
  INFO(perr.format());
  REQUIRE(rs);
  std::vector<CompileError> errors;
  auto p = compile_ruleset(*rs, CompileOptions{"t.krl", {}, nullptr}, &errors);
  INFO((errors.empty() ? std::string() : errors[0].format()));
  REQUIRE(p);
  return p;
}

}  // namespace spime::krl::testing
