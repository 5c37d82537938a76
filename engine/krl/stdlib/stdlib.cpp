// The index over every stdlib table (see stdlib.h).
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {

const Builtin* find_operator(std::string_view name) {
  // Each group owns distinct names; the order only matters if two collide.
  for (const auto* table :
       {&type_operators(), &number_operators(), &string_operators(), &collection_operators()}) {
    for (const Builtin& b : *table) {
      if (name == b.name) return &b;
    }
  }
  return nullptr;
}

const Module* find_module(std::string_view name) {
  for (const Module* m : {&math_module(), &time_module(), &random_module()}) {
    if (m->name == name) return m;
  }
  return nullptr;
}

}  // namespace spime::krl::stdlib
