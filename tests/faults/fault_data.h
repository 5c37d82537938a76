// Data the fault tests write: text that no compression shrinks, so that the
// store's compression cannot make room on a full disk or keep a table file
// too small to hold what a test corrupts. Deterministic (a seed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace spime::faults {

inline std::string incompressible_text(std::size_t n, std::uint32_t seed) {
  std::string out(n, ' ');
  for (char& c : out) {
    seed = seed * 1103515245u + 12345u;
    c = static_cast<char>('a' + (seed >> 16) % 26);
  }
  return out;
}

}  // namespace spime::faults
