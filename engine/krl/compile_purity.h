// Internal: whether an expression's value is the same on every pico (it reads
// nothing of the pico, the event, the clock or chance), so that a ruleset's
// globals can be evaluated once and shared by every pico with the same
// configuration (Program::shareable_globals).
//
// Conservative: "pure" only when the value is built from literals, function
// and defaction definitions (their bodies run later, with the caller's
// context), names of earlier declarations, values a used module provides,
// operators, and calls of a short list of stdlib operators that only
// compute on their arguments (put, append, join, ...) with pure arguments
// that are not functions, or that iterate (map, filter, reduce, sort, ...)
// with a function literal whose body is itself pure (a function given by
// name, or computed, is not: it may read the pico when called). Everything
// else (ent:, meta:, event:, time:, random:, keys:, any other call) is not.
//
// Called by the compiler only; thread-compatible (reads the AST).
#pragma once

#include <set>
#include <string>

#include "engine/krl/ast.h"

namespace spime::krl::detail {

// `module_aliases`: the aliases of the ruleset's `use module`s; `declared`:
// the names it declares in meta and global (a declaration named like an
// operator is called by `x.name()` instead of the operator).
bool is_pico_independent(const ast::Expr& e, const std::set<std::string>& module_aliases,
                         const std::set<std::string>& declared);

}  // namespace spime::krl::detail
