#include "engine/runtime/rulesets/shared_instances.h"

namespace spime::runtime {

std::optional<SharedInstances::Entry> SharedInstances::find(const std::string& config_key) const {
  MutexLock lock(mu_);
  auto it = entries_.find(config_key);
  if (it == entries_.end()) return std::nullopt;
  Entry e{it->second.instance.lock(), it->second.modules};
  if (!e.instance) return std::nullopt;
  return e;
}

void SharedInstances::put(const std::string& config_key, const Entry& entry) {
  MutexLock lock(mu_);
  entries_[config_key] = Held{entry.instance, entry.modules};
  if (entries_.size() < sweep_at_) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.instance.expired() ? entries_.erase(it) : std::next(it);
  }
  sweep_at_ = 2 * entries_.size() + 16;
}

size_t SharedInstances::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace spime::runtime
