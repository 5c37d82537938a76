// The KRL tokenizer.
//
// Lexer::next() hands out, one at a time, the significant tokens the parser
// reads: whitespace and comments are dropped, every token's text is a view
// into the source (no copies, no allocation), and each token carries the
// 1-based line:col and byte offset where it starts.
//
// Lexing follows the reference tokenizer (krl-parser/src/tokenizer.ts):
// numbers `1`, `1.5`, `.5`; strings "..." with `\` escaping the next char;
// regexps re#...# with flags from `gim`; chevrons << ... #{expr} ... >>,
// nestable, where a `}` closes the beesting only at curly depth 0; symbols
// [a-zA-Z_$][a-zA-Z0-9_$]*; and the punctuation below, longest match first.
//
// Bad input does not throw: the first unterminated string/regexp/comment or
// unsupported character becomes an Error token (its message in `error`) and
// lexing stops there; the parser reports it when it reaches that token.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/krl/error.h"

namespace spime::krl {

enum class Tok : std::uint8_t {
  End,
  Error,  // unterminated string/regexp/comment, or unsupported characters
  Symbol,
  Number,
  String,         // text includes the quotes, escapes undecoded
  RegExp,         // text is the whole re#...#flags
  ChevronOpen,    // <<
  ChevronString,  // literal piece of a chevron, escapes undecoded
  BeestingOpen,   // #{
  BeestingClose,  // } closing a beesting
  ChevronClose,   // >>
  // Punctuation ("RAW" tokens in the reference).
  Spaceship,    // <=>
  LessEq,       // <=
  Less,         // <
  OrOr,         // ||
  Pipe,         // |
  EqEq,         // ==
  FatArrow,     // =>
  Assign,       // =
  ColonAssign,  // :=
  Colon,        // :
  GreaterEq,    // >=
  GreaterLess,  // ><
  Greater,      // >
  AndAnd,       // &&
  NotEq,        // !=
  LParen,
  RParen,
  LBrace,
  RBrace,
  LBracket,
  RBracket,
  Comma,
  Slash,
  Dot,
  Minus,
  Percent,
  Plus,
  Semicolon,
  Star,
};

struct Token {
  Tok type = Tok::End;
  std::string_view text;   // the source text of the token (empty for End)
  Loc loc;                 // where it starts
  const char* error = "";  // Error tokens: "Missing close \"", "Unsupported characters", ...

  bool is(Tok t) const { return type == t; }
  bool is_symbol(std::string_view s) const { return type == Tok::Symbol && text == s; }
  int end_offset() const { return loc.offset + static_cast<int>(text.size()); }
};

// True for the punctuation token types (the reference's "RAW").
inline bool is_punct(Tok t) {
  return t >= Tok::Spaceship;
}

// A pull tokenizer: next() returns one significant token at a time, so the
// parser needs no token array (a few tokens of lookahead at most).
class Lexer {
 public:
  explicit Lexer(std::string_view source);
  // The next token; End (repeatedly) once the source or an Error token is done.
  Token next();

 private:
  char at(std::size_t i) const { return i < src_.size() ? src_[i] : '\0'; }
  Loc loc_here() const;
  void advance_to(std::size_t to);
  void emit(Tok type, std::size_t end);
  void fail(const char* message, std::size_t end);
  std::size_t whitespace_len(std::size_t i) const;
  std::size_t find_unescaped(std::size_t i, char close) const;
  void step();
  void number();
  void string();
  void regexp();
  void chevron_body();
  void punctuation(char c);
  void unsupported();

  std::string_view src_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
  bool failed_ = false;
  std::vector<int> beesting_curlies_;  // one `{` depth per open beesting
  // Tokens one step produced and next() has not handed out yet (at most 3).
  Token pending_[4];
  int pending_head_ = 0, pending_count_ = 0;
};

// Tokenizes all of `source` (for tests and tools). The result ends with an
// End token at the end of the source, or right after the first Error token.
std::vector<Token> tokenize(std::string_view source);

// The reference's token type names ("SYMBOL", "RAW", "CHEVRON-OPEN", ...),
// for messages and tests.
const char* token_type_name(Tok t);

}  // namespace spime::krl
