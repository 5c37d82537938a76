// SlotSeals: the slots this engine has sealed for a move (docs/cluster.md,
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
// Thread-safety: every method from any thread; lock-free.
#pragma once

#include <array>
#include <atomic>
#include <optional>
#include <string_view>

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
  // Whether `eci` carries the slot of a sealed slot (a legacy ECI never does).
  bool sealed_eci(std::string_view eci) const {
    const std::optional<cluster::Slot> slot = cluster::slot_of_eci(eci);
    return slot && sealed(*slot);
  }

 private:
  std::atomic<bool>& at(cluster::Slot slot) { return sealed_[slot % cluster::kSlotCount]; }
  const std::atomic<bool>& at(cluster::Slot slot) const {
    return sealed_[slot % cluster::kSlotCount];
  }
  std::array<std::atomic<bool>, cluster::kSlotCount> sealed_;
};

}  // namespace spime::runtime
