#include "engine/runtime/admission/channel_index.h"

#include "engine/runtime/records/pico_records.h"

namespace spime::runtime {

ChannelIndex::Found ChannelIndex::lookup(const store::Store& store, const std::string& eci) {
  std::uint64_t generation = 0;
  {
    MutexLock lock(mu_);
    auto it = entries_.find(eci);
    if (it != entries_.end()) return Found{it->second.channel, it->second.seq};
    generation = generation_;
  }
  ChannelRecord c;
  if (!pico_records::load_channel(store, eci, &c)) return Found{};  // unknown ECIs: not kept
  auto record = std::make_shared<const ChannelRecord>(std::move(c));
  MutexLock lock(mu_);
  auto it = entries_.find(eci);
  if (it != entries_.end()) return Found{it->second.channel, it->second.seq};
  if (generation != generation_) return Found{record, 0};  // raced a change: use, don't keep
  if (entries_.size() >= capacity_) trim_locked(0);
  entries_.emplace(eci, Entry{record, 0});
  return Found{record, 0};
}

void ChannelIndex::stage(
    const std::vector<std::pair<std::string, std::optional<ChannelRecord>>>& changes,
    std::uint64_t seq, std::uint64_t durable) {
  if (changes.empty()) return;
  MutexLock lock(mu_);
  ++generation_;
  for (const auto& [eci, record] : changes) {
    entries_[eci] = Entry{record ? std::make_shared<const ChannelRecord>(*record) : nullptr, seq};
  }
  if (entries_.size() > capacity_) trim_locked(durable);
}

void ChannelIndex::trim_locked(std::uint64_t durable) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.seq <= durable ? entries_.erase(it) : std::next(it);
  }
}

void ChannelIndex::forget(const std::vector<std::string>& ecis) {
  MutexLock lock(mu_);
  ++generation_;  // a store read racing this one is used, not kept
  for (const std::string& eci : ecis) entries_.erase(eci);
}

void ChannelIndex::clear() {
  MutexLock lock(mu_);
  ++generation_;
  entries_.clear();
}

size_t ChannelIndex::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace spime::runtime
