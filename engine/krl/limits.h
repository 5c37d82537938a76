// Named limits of the KRL language layer (cf. Lua's LUAI_MAXCCALLS).
// Each is checked where it applies and reported as a KrlError naming it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spime::krl {

struct Limits {
  // Nesting depth of KRL function calls (recursion) per evaluation.
  int max_call_depth = 500;
  // Evaluation steps (node visits) per top-level evaluation (one event or query).
  std::uint64_t max_steps = 10'000'000;
  // Longest string a KRL operation may build, in bytes.
  std::size_t max_string_bytes = 16u << 20;
  // Most elements an array or map built by one operation may hold.
  std::size_t max_collection_size = 1u << 20;
};

// Parser limits: nesting depth of expressions/blocks and source size.
constexpr int kMaxParseDepth = 200;
constexpr std::size_t kMaxSourceBytes = 8u << 20;
// JSON nesting accepted from the outside (event attributes, entity values).
constexpr int kMaxJsonDepth = 64;

}  // namespace spime::krl
