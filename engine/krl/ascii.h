// ASCII text helpers shared by the language, the runtime and the HTTP layer
// (header values, media types, ECIs, policy fields). Not for KRL strings'
// own operators, which follow JavaScript (stdlib/js_text.h).
#pragma once

#include <string>
#include <string_view>

namespace spime::krl {

constexpr std::string_view kAsciiSpace = " \t\r\n\f\v";

// `s` without leading and trailing ASCII white space.
inline std::string_view trim_ascii(std::string_view s) {
  const size_t b = s.find_first_not_of(kAsciiSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kAsciiSpace) - b + 1);
}

inline std::string trim(std::string_view s) {
  return std::string(trim_ascii(s));
}

// `s` with A-Z as a-z; other bytes unchanged.
inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace spime::krl
