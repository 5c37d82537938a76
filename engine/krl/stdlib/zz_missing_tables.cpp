// TEMPORARY (values worktree only): empty tables owned by other helpers, so
// this branch links on its own. Deleted before the branch is final.
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {

const std::vector<Builtin>& string_operators() {
  static const std::vector<Builtin> t;
  return t;
}
const std::vector<Builtin>& collection_operators() {
  static const std::vector<Builtin> t;
  return t;
}
const Module& math_module() {
  static const Module m{"math", {}};
  return m;
}
const Module& time_module() {
  static const Module m{"time", {}};
  return m;
}
const Module& random_module() {
  static const Module m{"random", {}};
  return m;
}

}  // namespace spime::krl::stdlib
