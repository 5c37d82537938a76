// The KRL compiler: AST (ast.h) -> Program / CompiledExpression (program.h).
//
// Compilation resolves every identifier once (to a frame slot, a stdlib
// operator, a host or stdlib module member, or a used module's alias) and runs
// the static checks the reference compiler makes. Problems are collected, all
// of them, in source order; when there is any, no program is returned.
// Messages follow the reference compiler ("Undefined id: x",
// "Duplicate rule name: x", "Trying to share: x but it's not defined in global", ...).
//
// A ruleset compiles exactly when the reference compiler (packages/krl-compiler)
// compiles it, quirks included. In particular `domain:name` is never a compile
// error in a ruleset, as the reference resolves modules when a member is
// called: an unknown domain, a member a module does not have, or a member a
// used module does not provide compiles to a run-time error at the call, and
// is reported as a warning (CompileOptions::warnings).
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
  bool warning = false;        // compiles, but is likely to fail when run
  std::string format() const;  // "file:line:col: message" ("file:line:col: warning: message")
};

// What `use module` may refer to, for the warnings on `alias:name`.
class ModuleResolver {
 public:
  virtual ~ModuleResolver() = default;
  // The names ruleset `rid` provides; nullopt when the rid is unknown.
  virtual std::optional<std::vector<std::string>> provided_names(std::string_view rid) = 0;
};

struct CompileOptions {
  std::string file;
  // The modules of the host (the pico runtime: event, ctx, meta, schedule),
  // by their domain. The language itself knows only `ent` and the stdlib
  // modules math, time, random and stdlib; any other domain compiles to a
  // run-time error (and a warning).
  std::vector<const Module*> host_modules;
  ModuleResolver* modules = nullptr;  // may be null
  // When set, warnings are appended here (in source order); otherwise dropped.
  std::vector<CompileError>* warnings = nullptr;
  // When set, the names of the host_modules the source refers to outside
  // function and defaction bodies (in rules and plain global values) are
  // added here, once each, in first-use order: the runtime sends picos with
  // such rulesets to its I/O pool before they run (pico/io_pool.h). Uses
  // inside functions are found when they run (a refused call moves the pico).
  std::vector<std::string>* used_host_modules = nullptr;
};

// Returns nullptr (and fills *errors) when the ruleset has problems.
std::shared_ptr<const Program> compile_ruleset(const ast::Ruleset& ruleset,
                                               const CompileOptions& options,
                                               std::vector<CompileError>* errors);

// A lone expression has no module to resolve later: there an unknown domain
// is a compile error ("Undefined domain: x").
std::shared_ptr<const CompiledExpression> compile_expression(const ast::Expr& expr,
                                                             const CompileOptions& options,
                                                             std::vector<CompileError>* errors);

// parse + compile + all static checks, for `spime krl check`: every problem,
// errors and warnings (CompileError::warning), in source order (syntax errors
// from the parser as well). The source passes when it has no error.
//
// As the reference compiler, a source that does not start with `ruleset` is
// checked as a list of declarations and expressions (`x = 1; x + 2`, or
// nothing but comments); it has no rid, which a warning says, and cannot be
// installed. An empty source (0 bytes) is an error.
std::vector<CompileError> check_ruleset_source(std::string_view source, std::string_view file,
                                               const CompileOptions* options = nullptr);

// True when `errors` (from check_ruleset_source) has an error, not only warnings.
bool has_errors(const std::vector<CompileError>& errors);

}  // namespace spime::krl
