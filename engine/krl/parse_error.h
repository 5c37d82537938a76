// Syntax errors of KRL source.
//
// The parser reports a syntax error as a ParseError value (never an
// exception across its API). format() renders it the way compilers do:
//
//   file:line:col: message
//   <the source line>
//       ^
#pragma once

#include <string>
#include <string_view>

#include "engine/krl/error.h"

namespace spime::krl {

struct ParseError {
  std::string file;       // as given by the caller
  Loc loc;                // where the offending token starts (1-based line/col)
  std::string message;    // the reference's message text where it has one
  std::string line_text;  // the source line at loc (no newline)

  // "file:line:col: message\n<line_text>\n<spaces>^"
  std::string format() const;
};

// Builds the ParseError for `message` at byte `offset` of `source`. Like the
// reference, an offset at the end of the input is moved back onto the last
// character, so "missing `}`" points at the end of the last line.
ParseError make_parse_error(std::string_view source, std::string_view file, int offset,
                            std::string message);

}  // namespace spime::krl
