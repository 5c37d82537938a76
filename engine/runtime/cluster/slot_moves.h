// SlotMoves: this engine's part in moving a slot between engines
// (docs/cluster.md, "Moving a slot or a pico"). The mover (cluster/
// slot_mover.h, `spime cluster move`) drives the steps over HTTP
// (POST /api/cluster/slots/<slot>/<step>, owner only) and flips the owner
// in etcd between them:
//
//   export   on the source: seals the slot (slot_seals.h), waits until its
//            picos are idle with everything they wrote durable and no
//            event:send owed to them, then answers their records
//            (slot_records.h). kConflict when this node does not own the
//            slot; kUnavailable when they stay busy for kStepTimeout (the
//            slot is unsealed again: nothing changed).
//   import   on the destination: registers the rulesets it lacks and writes
//            the records in one batch, answered once durable. kConflict
//            when this node owns the slot or already has one of its picos,
//            kInvalidArgument for records that do not decode or a ruleset
//            that does not compile here (nothing written).
//   release  after the flip, on the source (or on the destination when the
//            move failed before it): waits up to kStepTimeout until the
//            table no longer names this node as the slot's owner, then
//            erases the slot's picos here in one batch. kConflict while the
//            table still names it (nothing erased): a node never erases a
//            slot it serves.
//   unseal   on the source when the move failed before the flip.
//
// A pico's move (engine/cluster/pico_mover.h, POST /api/cluster/picos/
// <pico>/<step>, pico_step()) has the same steps for one pico, defined in
// pico_moves.cpp:
//
//   locate   the pico by id, or by a name only one pico here has: its id,
//            name, slot, ECIs and number of children. kNotFound when it is
//            not here, kConflict when the name is several picos'.
//   export   seals the pico (its id and ECIs), waits as a slot's export,
//            answers its records with its record naming the destination's
//            slot (which this node must not own). kNotFound, kConflict
//            when its slot is not this node's or is moving, kUnavailable
//            when busy. (A slot's export refuses, kConflict, while one of
//            its picos moves alone.)
//   import   writes them when this node owns the slot they name and has no
//            such pico; answers {"picos", "records", "ecis"}.
//   release  erases the pico here once the table routes every ECI of it to
//            a slot this node does not own (the overrides of the flip on
//            the source; the pico's own slot on a destination cleaning up a
//            failed move). kNotFound when the pico is not here.
//   unseal   the pico's seal goes.
//
// Legacy picos (docs/cluster.md, "Slots"): a pico made before slots (its
// record names none; the root excepted, whose ECIs stay this engine's own)
// is adopted into a slot this node serves, the one its family's adopted
// ancestor has or one drawn for its family (the root's child and all below
// it), so a family stays together. adopt_legacy() is one step of up to
// kAdoptBatch picos: the overrides of their ECIs are written in etcd first
// (`write`, which refuses when this node no longer owns the slot), then,
// the picos sealed and idle, their records take the slot in one batch.
// Answers how many it adopted and whether more may be left; a caller
// repeats until it answers 0 and no more. kUnavailable when this node
// serves no slot yet or a pico stays busy; etcd's refusal as `write`
// returns it. Nothing is lost: the next step reuses the slot the overrides
// name. Once adopted, a pico is any other: its slot's moves carry it, a
// pico move takes it, its legacy ECIs route by their overrides.
//
// One step at a time per engine, on this class's own thread (never the
// caller's: a step waits); a second request meanwhile gets kUnavailable.
// Each `done` is called exactly once, from that thread or the committer's.
//
// What is given up: a pico of another slot that calls into a sealed pico
// with ctx:query or a nested event runs there (a query reads; a nested
// event's writes before the export are moved, after it lost); the
// reference's rulesets send between picos with event:send, which waits.
//
// Thread-safety: every method from any thread. stop() (and the destructor)
// makes waiting steps give up and joins the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"
#include "engine/cluster/slots.h"

namespace spime::store {
class Store;
}
namespace spime::cluster {
class SlotTable;
}

namespace spime::runtime {

class ChannelIndex;
class PicoTable;
class RulesetRegistry;
class SlotSeals;
struct SlotRecords;

class SlotMoves {
 public:
  static constexpr std::chrono::milliseconds kStepTimeout{10000};

  struct Parts {
    store::Store& store;
    PicoTable& picos;
    ChannelIndex& channels;
    RulesetRegistry& registry;
    SlotSeals& seals;
    std::function<void(const std::string&)> log;
  };
  explicit SlotMoves(Parts parts);
  ~SlotMoves();
  SlotMoves(const SlotMoves&) = delete;
  SlotMoves& operator=(const SlotMoves&) = delete;

  // The node's slot table (null: not a cluster node; every step then answers
  // kUnavailable). Not owned; it outlives this object.
  void set_table(const cluster::SlotTable* table);

  void export_slot(cluster::Slot slot, api::Done<std::string> done);
  void import_slot(cluster::Slot slot, std::string records, api::Done<krl::Value> done);
  void release_slot(cluster::Slot slot, api::Done<krl::Value> done);
  void unseal_slot(cluster::Slot slot, api::Done<krl::Value> done);
  void pico_step(api::PicoMoveStep step, api::Done<std::string> done);

  static constexpr std::size_t kAdoptBatch = 256;
  // Puts overrides/<eci> -> slot for each ECI, while this node owns the slot
  // (engine/cluster/legacy_overrides.h). Called on this class's thread.
  using OverrideWriter =
      std::function<api::Status(cluster::Slot, const std::vector<std::string>& ecis)>;
  struct AdoptionStep {
    std::size_t adopted = 0;
    bool more = false;
  };
  void adopt_legacy(OverrideWriter write, api::Done<AdoptionStep> done);

  void stop() SPIME_EXCLUDES(mu_);

 private:
  // Runs `step` on the thread; false when a step runs already or stopping.
  // The step is running until it answers through answering(done).
  bool start(std::function<void()> step) SPIME_EXCLUDES(mu_);
  template <class T>
  api::Done<T> answering(api::Done<T> done);
  // Waits until every pico `list` names is idle (and, with `owed`, no
  // event:send is owed to an ECI `owed` accepts); *picos: them. kUnavailable
  // after kStepTimeout, naming `what`.
  api::Status wait_idle(const std::function<std::vector<std::string>()>& list,
                        const std::function<bool(const std::string&)>& owed,
                        const std::string& what, std::vector<std::string>* picos);
  api::Status wait_slot_idle(cluster::Slot slot, bool owed_too, std::vector<std::string>* picos);
  // Whether an event:send to an ECI `owed` accepts waits for its delivery.
  bool owed_to(const std::function<bool(const std::string&)>& owed) const;
  bool wait_durable(std::chrono::steady_clock::time_point deadline);
  bool sleep_until_next_try(std::chrono::steady_clock::time_point deadline);
  void export_step(cluster::Slot slot, const api::Done<std::string>& done);
  void import_step(cluster::Slot slot, const std::string& text, const api::Done<krl::Value>& done);
  void release_step(cluster::Slot slot, const api::Done<krl::Value>& done);
  // Before an import writes: none of its picos is here already (kConflict),
  // and every ruleset it uses is registered (those this engine lacks
  // compiled from the records; kInvalidArgument when one does not compile).
  api::Status admit_import(const SlotRecords& records);
  // legacy_adoption.cpp
  void adopt_step(const OverrideWriter& write, const api::Done<AdoptionStep>& done);
  // The slot legacy pico `id` is adopted into; nullopt when this node serves
  // none. `heads`: the slots drawn for families' heads in this step.
  std::optional<cluster::Slot> adoption_slot(const std::string& id, const std::string& parent_eci,
                                             const std::vector<std::string>& ecis,
                                             std::map<std::string, cluster::Slot>* heads);
  // pico_moves.cpp
  void locate_pico(const std::string& pico, const api::Done<std::string>& done);
  void export_pico(const std::string& id, cluster::Slot to, const api::Done<std::string>& done);
  void import_pico(const std::string& id, cluster::Slot slot, const std::string& text,
                   const api::Done<std::string>& done);
  void release_pico(const std::string& id, const api::Done<std::string>& done);

  Parts parts_;
  std::atomic<const cluster::SlotTable*> table_{nullptr};
  std::atomic<bool> stopping_{false};
  Mutex mu_;
  bool busy_ SPIME_GUARDED_BY(mu_) = false;
  std::thread thread_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::runtime
