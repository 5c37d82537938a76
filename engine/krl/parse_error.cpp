#include "engine/krl/parse_error.h"

#include <algorithm>

namespace spime::krl {

std::string ParseError::format() const {
  std::string out = file;
  out += ':' + std::to_string(loc.line) + ':' + std::to_string(loc.col) + ": " + message;
  out += '\n';
  out += line_text;
  out += '\n';
  // Keep tabs so the caret lines up under tab-indented source.
  const std::size_t width = loc.col > 0 ? static_cast<std::size_t>(loc.col - 1) : 0;
  for (std::size_t i = 0; i < width; ++i) {
    out += (i < line_text.size() && line_text[i] == '\t') ? '\t' : ' ';
  }
  out += '^';
  return out;
}

ParseError make_parse_error(std::string_view source, std::string_view file, int offset,
                            std::string message) {
  std::size_t at = offset < 0 ? 0 : static_cast<std::size_t>(offset);
  if (!source.empty()) at = std::min(at, source.size() - 1);
  if (at > source.size()) at = source.size();

  std::size_t line_start = 0;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  // No newline lies in [line_start, at): the next one ends this line (a
  // position on a newline belongs to the line it ends).
  std::size_t line_end = source.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::string_view text = source.substr(line_start, line_end - line_start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);

  ParseError e;
  e.file = std::string(file);
  e.loc = Loc{line, static_cast<int>(at - line_start) + 1, static_cast<int>(at)};
  e.message = std::move(message);
  e.line_text = std::string(text);
  return e;
}

}  // namespace spime::krl
