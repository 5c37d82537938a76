// SlotTable: which node owns each slot, as this process last read it from
// etcd, the nodes' advertised URLs, and whether this node may serve its
// slots right now (the fence). docs/cluster.md, "Fencing".
//
// One writer, the membership loop (membership.h), applies etcd's changes
// and opens or closes the fence; any thread reads. serves() is the hot
// path's question and is lock-free (two atomic loads and a clock read);
// owner() and the node URLs take a mutex.
//
// Beside the slots, two small tables from etcd that name single ECIs and
// picos: the override table (overrides/<eci> -> slot: the ECIs of a pico
// moved out of its slot, or legacy ECIs that carry none), and the pico
// moves planned away from this node (pico-moves/<id>, pico_mover.h). Both
// are empty on most nodes; their readers are lock-free until they are not.
//
// The fence: the writer opens it until a deadline on CLOCK_BOOTTIME (which
// keeps counting while the process is stopped or the machine sleeps), so a
// process that wakes after its deadline serves nothing until the writer has
// heard from etcd again.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

// CLOCK_BOOTTIME in nanoseconds.
std::int64_t boot_clock_ns();

class SlotTable {
 public:
  explicit SlotTable(std::string self);
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  const std::string& self() const { return self_; }

  // ---- readers, any thread ----------------------------------------------------
  // This node owns `slot`, the fence is open at `now_ns`, and no move of the
  // slot away from this node is planned (etcd's moves/<slot>).
  bool serves(Slot slot, std::int64_t now_ns) const;
  bool serves(Slot slot) const { return serves(slot, boot_clock_ns()); }
  // This node owns `slot` in the table, whatever the fence. Lock-free.
  bool owns(Slot slot) const;
  bool fence_open(std::int64_t now_ns) const;
  // A move of `slot` away from this node is planned (docs/cluster.md): it is
  // served by no one until the move flips or is abandoned. Lock-free.
  bool moving_away(Slot slot) const {
    return moving_[slot % kSlotCount].load(std::memory_order_acquire);
  }
  // The owner's name; nullopt when the slot has none.
  std::optional<std::string> owner(Slot slot) const SPIME_EXCLUDES(mu_);
  // The slots this node owns in the table (whatever the fence), ascending.
  // Lock-free: a scan of kSlotCount atomics.
  std::vector<Slot> own_slots() const;
  // How many slots `node` owns.
  std::size_t count_owned_by(const std::string& node) const SPIME_EXCLUDES(mu_);
  // Every node that owns a slot, with how many, by name.
  std::map<std::string, std::size_t> owner_counts() const SPIME_EXCLUDES(mu_);
  // The etcd revision the table reflects.
  std::int64_t revision() const { return revision_.load(std::memory_order_acquire); }
  // A live node's advertised URL ("" when unknown or gone).
  std::string advertise_url(const std::string& node) const SPIME_EXCLUDES(mu_);
  std::vector<std::string> live_nodes() const SPIME_EXCLUDES(mu_);

  // The slot a request for `eci` belongs to: its entry in the override
  // table, else the slot it carries (slots.h); nullopt for an ECI with
  // neither (a legacy ECI that lives where it was minted, or not ours).
  std::optional<Slot> slot_of(std::string_view eci) const SPIME_EXCLUDES(pico_mu_);
  // A move of the pico `pico_id` away from this node is planned; or of the
  // pico that holds `eci` (an ECI the plan names). Refused here until the
  // move flips or is abandoned, a restart in between included.
  bool pico_moving_away(std::string_view pico_id) const SPIME_EXCLUDES(pico_mu_);
  bool eci_moving_away(std::string_view eci) const SPIME_EXCLUDES(pico_mu_);
  std::size_t override_count() const { return override_count_.load(std::memory_order_acquire); }

  // ---- the writer (the membership loop) ---------------------------------------
  // `node` "" clears the owner.
  void set_owner(Slot slot, const std::string& node) SPIME_EXCLUDES(mu_);
  void set_node(const std::string& node, const std::string& advertise_url) SPIME_EXCLUDES(mu_);
  void remove_node(const std::string& node) SPIME_EXCLUDES(mu_);
  void set_moving_away(Slot slot, bool moving) {
    moving_[slot % kSlotCount].store(moving, std::memory_order_release);
  }
  // `slot` nullopt removes the entry.
  void set_override(const std::string& eci, std::optional<Slot> slot) SPIME_EXCLUDES(pico_mu_);
  void replace_overrides(std::map<std::string, Slot, std::less<>> overrides)
      SPIME_EXCLUDES(pico_mu_);
  // The pico moves planned away from this node: pico id -> the ECIs the
  // plan names. An empty `ecis` still marks the pico.
  void set_pico_moving_away(const std::string& pico_id, bool moving,
                            const std::vector<std::string>& ecis = {}) SPIME_EXCLUDES(pico_mu_);
  void replace_pico_moves(const std::map<std::string, std::vector<std::string>>& moves)
      SPIME_EXCLUDES(pico_mu_);
  void set_revision(std::int64_t revision) { revision_.store(revision, std::memory_order_release); }
  void open_fence_until(std::int64_t deadline_ns) {
    fence_until_ns_.store(deadline_ns, std::memory_order_release);
  }
  void close_fence() { fence_until_ns_.store(0, std::memory_order_release); }

 private:
  static constexpr std::int32_t kNoOwner = -1;
  // The index of `node` among the names, added when new. Indexes never
  // change, so owners_ can hold them.
  std::int32_t index_of(const std::string& node) SPIME_REQUIRES(mu_);

  const std::string self_;
  std::array<std::atomic<std::int32_t>, kSlotCount> owners_;
  std::array<std::atomic<bool>, kSlotCount> moving_;
  std::atomic<std::int64_t> fence_until_ns_{0};
  std::atomic<std::int64_t> revision_{0};
  mutable Mutex mu_;
  std::vector<std::string> names_ SPIME_GUARDED_BY(mu_);  // index 0 is self_
  std::map<std::string, std::string> advertised_ SPIME_GUARDED_BY(mu_);

  // The override table and the pico moves, apart from mu_ (which the
  // forwarding path takes). The counts let readers skip the lock.
  void recount_pico_moves() SPIME_REQUIRES(pico_mu_);
  std::atomic<std::size_t> override_count_{0};
  std::atomic<std::size_t> pico_move_count_{0};
  mutable Mutex pico_mu_;
  std::map<std::string, Slot, std::less<>> overrides_ SPIME_GUARDED_BY(pico_mu_);
  std::map<std::string, std::vector<std::string>, std::less<>> pico_moves_
      SPIME_GUARDED_BY(pico_mu_);
  std::set<std::string, std::less<>> moving_ecis_ SPIME_GUARDED_BY(pico_mu_);
};

}  // namespace spime::cluster
