#include "engine/cluster/slot_table.h"

#include <time.h>

namespace spime::cluster {

std::int64_t boot_clock_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

SlotTable::SlotTable(std::string self) : self_(std::move(self)) {
  for (auto& o : owners_) o.store(kNoOwner, std::memory_order_relaxed);
  for (auto& m : moving_) m.store(false, std::memory_order_relaxed);
  MutexLock lock(mu_);
  names_.push_back(self_);
}

bool SlotTable::fence_open(std::int64_t now_ns) const {
  return now_ns < fence_until_ns_.load(std::memory_order_acquire);
}

bool SlotTable::owns(Slot slot) const {
  // Index 0 is this node (the constructor's first name).
  return slot < kSlotCount && owners_[slot].load(std::memory_order_acquire) == 0;
}

bool SlotTable::serves(Slot slot, std::int64_t now_ns) const {
  return owns(slot) && fence_open(now_ns) && !moving_away(slot);
}

std::vector<Slot> SlotTable::own_slots() const {
  std::vector<Slot> out;
  for (unsigned s = 0; s < kSlotCount; ++s) {
    if (owners_[s].load(std::memory_order_acquire) == 0) out.push_back(static_cast<Slot>(s));
  }
  return out;
}

std::optional<std::string> SlotTable::owner(Slot slot) const {
  if (slot >= kSlotCount) return std::nullopt;
  const std::int32_t i = owners_[slot].load(std::memory_order_acquire);
  if (i == kNoOwner) return std::nullopt;
  MutexLock lock(mu_);
  return names_[static_cast<std::size_t>(i)];
}

std::size_t SlotTable::count_owned_by(const std::string& node) const {
  std::int32_t index = kNoOwner;
  {
    MutexLock lock(mu_);
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == node) index = static_cast<std::int32_t>(i);
    }
  }
  if (index == kNoOwner) return 0;
  std::size_t n = 0;
  for (const auto& o : owners_) n += o.load(std::memory_order_relaxed) == index;
  return n;
}

std::map<std::string, std::size_t> SlotTable::owner_counts() const {
  std::vector<std::size_t> by_index;
  for (const auto& o : owners_) {
    const std::int32_t i = o.load(std::memory_order_relaxed);
    if (i == kNoOwner) continue;
    if (static_cast<std::size_t>(i) >= by_index.size())
      by_index.resize(static_cast<std::size_t>(i) + 1);
    ++by_index[static_cast<std::size_t>(i)];
  }
  std::map<std::string, std::size_t> out;
  MutexLock lock(mu_);
  for (std::size_t i = 0; i < by_index.size(); ++i) {
    if (by_index[i] > 0) out[names_[i]] = by_index[i];
  }
  return out;
}

std::string SlotTable::advertise_url(const std::string& node) const {
  MutexLock lock(mu_);
  const auto it = advertised_.find(node);
  return it == advertised_.end() ? std::string() : it->second;
}

std::vector<std::string> SlotTable::live_nodes() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, url] : advertised_) out.push_back(name);
  return out;
}

std::optional<Slot> SlotTable::slot_of(std::string_view eci) const {
  if (override_count_.load(std::memory_order_acquire) != 0) {
    MutexLock lock(pico_mu_);
    const auto it = overrides_.find(eci);
    if (it != overrides_.end()) return it->second;
  }
  return slot_of_eci(eci);
}

bool SlotTable::pico_moving_away(std::string_view pico_id) const {
  if (pico_move_count_.load(std::memory_order_acquire) == 0) return false;
  MutexLock lock(pico_mu_);
  return pico_moves_.find(pico_id) != pico_moves_.end();
}

bool SlotTable::eci_moving_away(std::string_view eci) const {
  if (pico_move_count_.load(std::memory_order_acquire) == 0) return false;
  MutexLock lock(pico_mu_);
  return moving_ecis_.find(eci) != moving_ecis_.end();
}

void SlotTable::set_override(const std::string& eci, std::optional<Slot> slot) {
  MutexLock lock(pico_mu_);
  if (slot && *slot < kSlotCount) {
    overrides_[eci] = *slot;
  } else {
    overrides_.erase(eci);
  }
  override_count_.store(overrides_.size(), std::memory_order_release);
}

void SlotTable::replace_overrides(std::map<std::string, Slot, std::less<>> overrides) {
  MutexLock lock(pico_mu_);
  overrides_ = std::move(overrides);
  override_count_.store(overrides_.size(), std::memory_order_release);
}

void SlotTable::set_pico_moving_away(const std::string& pico_id, bool moving,
                                     const std::vector<std::string>& ecis) {
  MutexLock lock(pico_mu_);
  if (moving) {
    pico_moves_[pico_id] = ecis;
  } else {
    pico_moves_.erase(pico_id);
  }
  recount_pico_moves();
}

void SlotTable::replace_pico_moves(const std::map<std::string, std::vector<std::string>>& moves) {
  MutexLock lock(pico_mu_);
  pico_moves_.clear();
  for (const auto& [id, ecis] : moves) pico_moves_[id] = ecis;
  recount_pico_moves();
}

void SlotTable::recount_pico_moves() {
  moving_ecis_.clear();
  for (const auto& [id, ecis] : pico_moves_) moving_ecis_.insert(ecis.begin(), ecis.end());
  pico_move_count_.store(pico_moves_.size(), std::memory_order_release);
}

std::int32_t SlotTable::index_of(const std::string& node) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == node) return static_cast<std::int32_t>(i);
  }
  names_.push_back(node);
  return static_cast<std::int32_t>(names_.size() - 1);
}

void SlotTable::set_owner(Slot slot, const std::string& node) {
  if (slot >= kSlotCount) return;
  std::int32_t index = kNoOwner;
  if (!node.empty()) {
    MutexLock lock(mu_);
    index = index_of(node);
  }
  owners_[slot].store(index, std::memory_order_release);
}

void SlotTable::set_node(const std::string& node, const std::string& advertise_url) {
  MutexLock lock(mu_);
  index_of(node);
  advertised_[node] = advertise_url;
}

void SlotTable::remove_node(const std::string& node) {
  MutexLock lock(mu_);
  advertised_.erase(node);
}

}  // namespace spime::cluster
