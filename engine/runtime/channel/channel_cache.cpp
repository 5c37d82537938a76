#include "engine/runtime/channel/channel_cache.h"

namespace spime::runtime {

std::shared_ptr<const ChannelRecord> ChannelCache::get(const std::string& eci) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(eci);
  return it == records_.end() ? nullptr : it->second;
}

std::uint64_t ChannelCache::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void ChannelCache::put(std::shared_ptr<const ChannelRecord> record, std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;  // a change committed since the read
  if (records_.size() >= capacity_) records_.clear();
  std::string eci = record->eci;
  records_[std::move(eci)] = std::move(record);
}

void ChannelCache::invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  records_.clear();
}

}  // namespace spime::runtime
