#include "engine/runtime/pico/pico_table.h"

#include <algorithm>

namespace spime::runtime {

PicoTable::PicoTable(size_t max_active,
                     std::function<PicoExecutor(const std::shared_ptr<PicoSlot>&)> start,
                     std::function<std::uint64_t()> durable)
    : max_active_(max_active), start_(std::move(start)), durable_(std::move(durable)) {}

std::shared_ptr<PicoSlot> PicoTable::acquire(const std::string& pico_id) {
  std::vector<std::shared_ptr<PicoSlot>> evicted;  // destroyed after the lock
  MutexLock lock(mu_);
  auto it = slots_.find(pico_id);
  if (it != slots_.end()) {
    recently_used_.splice(recently_used_.begin(), recently_used_, it->second->lru_position);
    return it->second;
  }
  return insert_locked(pico_id, &evicted);
}

void PicoTable::adopt(const std::string& pico_id, std::unique_ptr<PicoState> state,
                      std::uint64_t seq) {
  std::vector<std::shared_ptr<PicoSlot>> evicted;
  MutexLock lock(mu_);
  auto it = slots_.find(pico_id);
  std::shared_ptr<PicoSlot> slot =
      it != slots_.end() ? it->second : insert_locked(pico_id, &evicted);
  // A fresh id: no one else can have reached this slot yet, so the lock is
  // free (it is taken for the analysis: thread_annotations.h).
  slot->run_mu.lock();
  slot->state = std::move(state);
  slot->run_mu.unlock();
  slot->last_seq.store(seq);
}

std::shared_ptr<PicoSlot> PicoTable::insert_locked(
    const std::string& pico_id, std::vector<std::shared_ptr<PicoSlot>>* evicted) {
  auto slot = std::make_shared<PicoSlot>(pico_id);
  slot->executor = start_(slot);
  recently_used_.push_front(pico_id);
  slot->lru_position = recently_used_.begin();
  slots_.emplace(pico_id, slot);
  evict_idle_locked(evicted);
  return slot;
}

std::shared_ptr<PicoSlot> PicoTable::remove(const std::string& pico_id) {
  MutexLock lock(mu_);
  auto it = slots_.find(pico_id);
  if (it == slots_.end()) return nullptr;
  std::shared_ptr<PicoSlot> slot = std::move(it->second);
  recently_used_.erase(slot->lru_position);
  slots_.erase(it);
  return slot;
}

void PicoTable::evict_idle_locked(std::vector<std::shared_ptr<PicoSlot>>* evicted) {
  constexpr int kCandidates = 8;
  const std::uint64_t durable = durable_();
  auto pos = recently_used_.end();
  for (int looked = 0;
       slots_.size() > max_active_ && looked < kCandidates && pos != recently_used_.begin();
       ++looked) {
    --pos;
    auto it = slots_.find(*pos);
    if (it == slots_.end()) continue;
    PicoSlot& s = *it->second;
    // Only the table holds it (every queued drain, nested call and transaction holding it has
    // a reference, and new ones are handed out under mu_), and it rests on nothing that a
    // reload from the store would miss.
    if (it->second.use_count() != 1 || s.queued.load() != 0 || s.last_seq.load() > durable) {
      continue;
    }
    std::shared_ptr<PicoSlot> slot = std::move(it->second);
    slots_.erase(it);
    pos = recently_used_.erase(pos);
    slot->executor.stop();
    evicted->push_back(std::move(slot));
  }
}

bool PicoTable::evict_if_idle(const std::string& pico_id) {
  std::shared_ptr<PicoSlot> evicted;  // released after the lock
  MutexLock lock(mu_);
  auto it = slots_.find(pico_id);
  if (it == slots_.end()) return true;
  PicoSlot& s = *it->second;
  if (it->second.use_count() != 1 || s.queued.load() != 0 || s.last_seq.load() > durable_()) {
    return false;
  }
  evicted = std::move(it->second);
  recently_used_.erase(evicted->lru_position);
  slots_.erase(it);
  evicted->executor.stop();
  return true;
}

size_t PicoTable::size() const {
  MutexLock lock(mu_);
  return slots_.size();
}

PicoTable::InboxTotals PicoTable::inbox_totals() const {
  InboxTotals t;
  MutexLock lock(mu_);
  t.picos = slots_.size();
  for (const auto& [id, slot] : slots_) {
    const size_t queued = slot->queued.load(std::memory_order_relaxed);
    t.messages += queued;
    t.max_messages = std::max(t.max_messages, queued);
  }
  return t;
}

std::vector<std::shared_ptr<PicoSlot>> PicoTable::take_all() {
  MutexLock lock(mu_);
  std::vector<std::shared_ptr<PicoSlot>> out;
  out.reserve(slots_.size());
  for (auto& [id, slot] : slots_) out.push_back(std::move(slot));
  slots_.clear();
  recently_used_.clear();
  return out;
}

}  // namespace spime::runtime
