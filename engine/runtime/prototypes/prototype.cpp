#include "engine/runtime/prototypes/prototype.h"

#include <algorithm>

namespace spime::runtime {

std::string PrototypeError::to_string() const {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + message;
}

std::vector<std::string> channel_tags(const PrototypeChannel& channel) {
  std::vector<std::string> tags = channel.tags;
  if (std::find(tags.begin(), tags.end(), channel.name) == tags.end()) {
    tags.push_back(channel.name);
  }
  return tags;
}

krl::Map merge_maps(const krl::Map& base, const krl::Map& over) {
  krl::Map out = base;
  for (const auto& [key, value] : over) {
    const krl::Value* old = out.find(key);
    if (old && old->is_map() && value.is_map()) {
      out.set(key, krl::Value(merge_maps(old->as_map(), value.as_map())));
    } else {
      out.set(key, value);
    }
  }
  return out;
}

krl::Map effective_config(const Prototype& p, const PrototypeRuleset& r) {
  return merge_maps(p.config, r.config);
}

}  // namespace spime::runtime
