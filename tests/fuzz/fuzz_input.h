// Helpers for the libFuzzer targets of tests/fuzz/: the input as text, and
// split into parts. Header-only; every target is single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace spime::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The text before the first `separator` and the text after it; the whole
// input and "" when there is none.
inline std::pair<std::string_view, std::string_view> split_first(std::string_view text,
                                                                 char separator) {
  auto at = text.find(separator);
  if (at == std::string_view::npos) return {text, std::string_view()};
  return {text.substr(0, at), text.substr(at + 1)};
}

}  // namespace spime::fuzz
