// Named limits of the KRL language layer (cf. Lua's LUAI_MAXCCALLS).
// Each is checked where it applies and reported as a KrlError naming it.
#pragma once

#include <chrono>
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
  // Wall-clock time one top-level evaluation may run (EvalContext::
  // start_budget sets it and its deadline); 0: no budget. The language sets
  // none: the runtime gives events and queries theirs (engine/runtime/limits.h).
  std::chrono::milliseconds time_budget{0};
};

// Parser limits: nesting depth of expressions/blocks and source size.
constexpr int kMaxParseDepth = 200;
constexpr std::size_t kMaxSourceBytes = 8u << 20;
// JSON nesting accepted from the outside (event attributes, entity values).
constexpr int kMaxJsonDepth = 64;

}  // namespace spime::krl
