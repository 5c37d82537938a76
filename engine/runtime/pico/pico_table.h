// PicoTable: the picos the engine has active, each in a PicoSlot.
//
// A slot is a pico as the engine hosts it: its inbox (the FIFO of events and
// queries waiting for it, pico_actor.h), its run lock, its in-memory state
// and the commit sequence number of the last transaction that wrote it.
//
// Activation: acquire() returns the pico's slot, creating it (state not yet
// loaded: the first run loads it) when absent. adopt() puts in the slot of a
// pico created by a transaction that was just submitted, with its state
// already built, so the pico is usable before its records are durable.
// remove() takes out the slot of a deleted pico: later lookups of its ECIs
// fail (the channel index says so) and what waits in its inbox is refused.
//
// Eviction: at most `max_active` slots stay in the table. Beyond that, the
// least recently used idle slots are dropped: no one but the table holds
// them (nothing queued, running or referring to them), their inbox is
// empty, and everything that wrote them is durable (so reloading the state
// from the store finds it all). A dropped pico's state is reloaded by its
// next request. Each acquire looks at a bounded number of candidates, so busy
// picos may keep the table above the limit for a while, never without bound
// (each holds an admitted request).
//
// Thread-safety: every method may be called from any thread. Slot members
// say what guards them.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/runtime/pico/pico_actor.h"
#include "engine/runtime/pico/pico_slot.h"
#include "engine/runtime/pico/pico_state.h"

namespace spime::runtime {

class PicoTable {
 public:
  // `start` gives a new slot its executor; `durable` answers the committer's durable_seq().
  PicoTable(size_t max_active, std::function<PicoExecutor(const std::shared_ptr<PicoSlot>&)> start,
            std::function<std::uint64_t()> durable);

  std::shared_ptr<PicoSlot> acquire(const std::string& pico_id);
  // A pico created by a submitted transaction (its records are at `seq`).
  void adopt(const std::string& pico_id, std::unique_ptr<PicoState> state, std::uint64_t seq);
  // The slot of a deleted pico, taken out of the table (nullptr when it was not active).
  std::shared_ptr<PicoSlot> remove(const std::string& pico_id);

  // Takes out `pico_id`'s slot when it is idle as eviction wants it (no one
  // but the table holds it, its inbox is empty, all that wrote it is
  // durable). True when the pico is not active afterwards (its state is all
  // in the store); false while it is busy. A slot move waits on it
  // (cluster/slot_moves.h).
  bool evict_if_idle(const std::string& pico_id);

  size_t size() const;

  // For the metrics (metrics/readings.h): the active picos and what waits in
  // their inboxes, read slot by slot under the table's lock (each count is
  // the slot's atomic `queued`, so the sum is a moment's, not a snapshot).
  struct InboxTotals {
    size_t picos = 0;
    size_t messages = 0;      // in all inboxes
    size_t max_messages = 0;  // in the fullest one
  };
  InboxTotals inbox_totals() const;

  // Every slot, emptying the table (shutdown).
  std::vector<std::shared_ptr<PicoSlot>> take_all();

 private:
  std::shared_ptr<PicoSlot> insert_locked(const std::string& pico_id,
                                          std::vector<std::shared_ptr<PicoSlot>>* evicted)
      SPIME_REQUIRES(mu_);
  void evict_idle_locked(std::vector<std::shared_ptr<PicoSlot>>* evicted) SPIME_REQUIRES(mu_);

  const size_t max_active_;
  const std::function<PicoExecutor(const std::shared_ptr<PicoSlot>&)> start_;
  const std::function<std::uint64_t()> durable_;
  mutable Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<PicoSlot>> slots_ SPIME_GUARDED_BY(mu_);
  std::list<std::string> recently_used_ SPIME_GUARDED_BY(mu_);  // most recent first
};

}  // namespace spime::runtime
