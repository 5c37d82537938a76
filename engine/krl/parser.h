// The KRL parser: source text to the AST of ast.h.
//
// It accepts the KRL 1.x dialect exactly as the reference parser does
// (Picolab/pico-engine packages/krl-parser: tokenizer.ts, krl.ts), with the
// same operator binding powers and, where the reference has one, the same
// error message text. Every AST node carries the Loc of its first token.
//
// Neither function throws: a syntax error returns nullptr and fills *error
// (when error is non-null). Inputs are bounded: sources over kMaxSourceBytes
// are refused, nesting beyond kMaxParseDepth (parentheses, calls, operator
// chains, event operators, ...) is "nesting too deep", and unterminated
// strings, chevrons, regexps and comments are reported, never read past.
//
// Where our AST differs from the reference's:
//  - a `count`/`repeat` aggregator (`max(x)`, ...) is stored on the
//    Count/Repeat EventExpr node, not on its inner event;
//  - `select where <expr>` sets Rule::select_where (Rule::select stays null);
//  - meta name/description/author/version that are not plain string
//    literals (or literal-only chevrons) are kept in Meta::other under their
//    key; `keys`, `errors to` and `provides keys ... to` go to Meta::other
//    under "keys", "errors" and "provides_keys" (the reference's compiler
//    rejects them).
//  - Postlude statements are as in 1.x: a bare expression statement is
//    "Expected a declaration" (Statement::Kind::Expression is never built),
//    and a defaction returns at most one value (`return e`; `returns` and
//    `return a, b` are "defaction can only return one value").
//  - `use module <rid> version "<v>"` sets UseModule::version (for the
//    reference, that `version` is the meta block's own: the compiler counts
//    it as such).
//  - Accepted beyond the reference: `and` between `configure using`
//    declarations.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "engine/krl/ast.h"
#include "engine/krl/parse_error.h"

namespace spime::krl {

// Parses a whole ruleset. On error returns nullptr and fills *error.
std::unique_ptr<ast::Ruleset> parse_ruleset(std::string_view source, std::string_view file,
                                            ParseError* error);

// Parses a single expression (for `spime krl eval`); the whole input must be
// one expression.
ast::ExprPtr parse_expression(std::string_view source, std::string_view file, ParseError* error);

// The reference parser's other form: a source whose first token is not
// `ruleset` is a list of declarations (Statement::Kind::Declaration) and
// expressions (Kind::Expression), each optionally followed by `;`; nothing
// at all (only comments) is an empty list. For `spime krl check`.
std::unique_ptr<std::vector<ast::StatementPtr>> parse_statement_list(std::string_view source,
                                                                     std::string_view file,
                                                                     ParseError* error);

// True unless the first token of `source` is something other than the word
// `ruleset`, or there is none (then parse_statement_list applies).
bool starts_with_ruleset(std::string_view source);

}  // namespace spime::krl
