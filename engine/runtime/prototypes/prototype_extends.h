// `extends`: a prototype file written over its parent (prototype.h says how
// the parts merge).
//
// apply_layer merges one validated draft (prototype_validate.h) over its
// resolved parent. resolve_extends resolves a set of drafts (the files of a
// folder, or one uploaded text) in dependency order: a draft may extend
// another draft of the set, or a prototype already loaded (`loaded`, the
// catalog's: the set's own names shadow the catalog's). A draft is refused,
// at its `extends`, when its parent is unknown, did not load, or when the
// chain comes back to it ("extends: a cycle: a -> b -> a", reported for
// every member, each from itself), or is longer than kMaxExtendsDepth. Once
// merged, a draft is also refused when one of its mqtt.topics names no
// channel of the merged prototype, or one whose event policy refuses its
// domain:type, or when the merged prototype has topics and its protocols
// do not list mqtt.
//
// Thread-safety: pure functions (`loaded` is called on the caller's thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/prototypes/prototype.h"
#include "engine/runtime/prototypes/prototype_draft.h"

namespace spime::runtime {

inline constexpr std::size_t kMaxExtendsDepth = 32;

// `draft` over `parent` (null: it extends nothing). A channel first named
// here gets no tags, policies allowing nothing and no schema until a field
// says otherwise; a ruleset no config.
Prototype apply_layer(const Prototype* parent, const PrototypeDraft& draft);

struct ExtendsResult {
  std::vector<std::shared_ptr<const Prototype>> resolved;  // in the drafts' order
  std::vector<PrototypeError> errors;                      // in the drafts' order
};

// A loaded prototype by name, or null.
using PrototypeLookup = std::function<std::shared_ptr<const Prototype>(const std::string&)>;

// `drafts` have distinct names. `loaded` may be empty (nothing loaded).
ExtendsResult resolve_extends(const std::vector<PrototypeDraft>& drafts,
                              const PrototypeLookup& loaded);

}  // namespace spime::runtime
