// The KRL compiler: AST (ast.h) -> Program / CompiledExpression (program.h).
//
// Compilation resolves every identifier once (to a frame slot, a stdlib
// operator, a host or stdlib module member, or a used module's alias) and runs
// the static checks the reference compiler makes. Problems are collected, all
// of them, in source order; when there is any, no program is returned.
// Messages follow the reference compiler ("Undefined id: x",
// "Duplicate rule name: x", "Trying to share: x but it's not defined in global", ...).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/ast.h"
#include "engine/krl/callable.h"
#include "engine/krl/error.h"
#include "engine/krl/program.h"

namespace spime::krl {

struct CompileError {
  std::string file;
  Loc loc;
  std::string message;
  std::string format() const;  // "file:line:col: message"
};

// What `use module` may refer to, for static checks of `alias:name`.
class ModuleResolver {
 public:
  virtual ~ModuleResolver() = default;
  // The names ruleset `rid` provides; nullopt when the rid is unknown (then
  // any `alias:name` is accepted and checked when the instance is created).
  virtual std::optional<std::vector<std::string>> provided_names(std::string_view rid) = 0;
};

struct CompileOptions {
  std::string file;
  // Runtime modules (event, ctx, meta, schedule, http, ...). math/time/random
  // come from stdlib::find_module; `ent` is built in.
  std::vector<const Module*> host_modules;
  ModuleResolver* modules = nullptr;  // may be null
};

// Returns nullptr (and fills *errors) when the ruleset has problems.
std::shared_ptr<const Program> compile_ruleset(const ast::Ruleset& ruleset,
                                               const CompileOptions& options,
                                               std::vector<CompileError>* errors);

std::shared_ptr<const CompiledExpression> compile_expression(const ast::Expr& expr,
                                                             const CompileOptions& options,
                                                             std::vector<CompileError>* errors);

// The domains the pico runtime provides (event, ctx, meta, schedule, http,
// wrangler, ...). A domain named here but absent from host_modules compiles
// (so `spime krl check` works without a runtime) and fails when evaluated.
const std::vector<std::string>& runtime_module_names();

// parse + compile + all static checks, for `spime krl check`: every problem,
// in source order (syntax errors from the parser as well).
std::vector<CompileError> check_ruleset_source(std::string_view source, std::string_view file,
                                               const CompileOptions* options = nullptr);

}  // namespace spime::krl
