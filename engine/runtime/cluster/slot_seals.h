// SlotSeals: the slots and single picos this engine has sealed for a move (docs/cluster.md,
// "Moving a slot or a pico"). While a slot is sealed, events from outside
// (HTTP, MQTT) and scheduled events for its picos are refused with 503 and
// Retry-After (their senders try again; after the move they reach the new
// owner), and event:sends from this engine's other picos to it go through
// the outbox to the cluster's address instead of being queued here. Events
// already committed for its picos (event:send records of before the seal)
// still run: the move waits for them (slot_moves.h).
//
// A seal is this process's alone: it is not persisted. A restart forgets it,
// which is safe: a move in progress then fails before its flip (the source
// is still the owner, its picos intact) or after it (the slot is another
// node's, so the gate forwards its requests).
//
// A pico is sealed the same way for a pico move (pico_mover.h), by its id and
// its ECIs (an event:send names an ECI).
//
// Thread-safety: every method from any thread. The slot seals are
// lock-free; the pico seals take a mutex only while some pico is sealed.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/cluster/slots.h"

namespace spime::runtime {

class SlotSeals {
 public:
  SlotSeals() {
    for (auto& s : sealed_) s.store(false, std::memory_order_relaxed);
  }
  SlotSeals(const SlotSeals&) = delete;
  SlotSeals& operator=(const SlotSeals&) = delete;

  void seal(cluster::Slot slot) { at(slot).store(true, std::memory_order_release); }
  void unseal(cluster::Slot slot) { at(slot).store(false, std::memory_order_release); }
  bool sealed(cluster::Slot slot) const { return at(slot).load(std::memory_order_acquire); }

  void seal_pico(const std::string& pico_id, const std::vector<std::string>& ecis)
      SPIME_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    picos_[pico_id] = ecis;
    recount();
  }
  void unseal_pico(const std::string& pico_id) SPIME_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    picos_.erase(pico_id);
    recount();
  }
  bool sealed_pico(std::string_view pico_id) const SPIME_EXCLUDES(mu_) {
    if (pico_count_.load(std::memory_order_acquire) == 0) return false;
    MutexLock lock(mu_);
    return picos_.find(pico_id) != picos_.end();
  }
  // Whether `eci` is a sealed pico's.
  bool sealed_pico_eci(std::string_view eci) const SPIME_EXCLUDES(mu_) {
    if (pico_count_.load(std::memory_order_acquire) == 0) return false;
    MutexLock lock(mu_);
    return ecis_.find(eci) != ecis_.end();
  }

 private:
  std::atomic<bool>& at(cluster::Slot slot) { return sealed_[slot % cluster::kSlotCount]; }
  const std::atomic<bool>& at(cluster::Slot slot) const {
    return sealed_[slot % cluster::kSlotCount];
  }
  void recount() SPIME_REQUIRES(mu_) {
    ecis_.clear();
    for (const auto& [id, ecis] : picos_) ecis_.insert(ecis.begin(), ecis.end());
    pico_count_.store(picos_.size(), std::memory_order_release);
  }

  std::array<std::atomic<bool>, cluster::kSlotCount> sealed_;
  std::atomic<std::size_t> pico_count_{0};
  mutable Mutex mu_;
  std::map<std::string, std::vector<std::string>, std::less<>> picos_ SPIME_GUARDED_BY(mu_);
  std::set<std::string, std::less<>> ecis_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::runtime
