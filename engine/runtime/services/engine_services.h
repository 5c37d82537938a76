// EngineServices: the engine's Services (services.h). Channels come from the
// engine's channel index (pending changes included, their commit sequence
// numbers recorded in the calling transaction); calls into existing picos
// run through the pico actors' nested calls (pico_actor.h), behind the
// target's FIFO.
//
// Thread-safety: any number of picos call it at once from their threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "engine/base/thread_annotations.h"
#include "engine/runtime/pico/services.h"
#include "engine/runtime/timers/clock.h"

namespace spime::cluster {
class SlotTable;
}

namespace spime::runtime {

class SlotSeals;

class ChannelIndex;
class PicoActors;

class EngineServices : public Services {
 public:
  // `clock` (never null): the engine's, what now_ms() answers.
  EngineServices(store::Store& store, RulesetRegistry& registry, ChannelIndex& channels,
                 std::shared_ptr<const Clock> clock)
      : store_(store), registry_(registry), channels_(channels), clock_(std::move(clock)) {}
  // Set once, before any pico runs (the actors are built on these services).
  void set_actors(PicoActors* actors) { actors_ = actors; }

  RulesetRegistry& registry() override { return registry_; }
  store::Store& store() override { return store_; }
  std::int64_t now_ms() override { return clock_->now_ms(); }

  // The engine's prototypes. Set once, before any pico runs.
  const PrototypeCatalog& prototypes() override {
    return prototypes_ ? *prototypes_ : Services::prototypes();
  }
  void set_prototypes(const PrototypeCatalog* prototypes) { prototypes_ = prototypes; }

  // meta:host: the URL other engines reach this one at ("" until the server
  // listens). Any thread.
  std::string host_url() override {
    MutexLock lock(host_mu_);
    return host_url_;
  }
  void set_host_url(std::string url) {
    MutexLock lock(host_mu_);
    host_url_ = std::move(url);
  }

  // meta:engineConfig. Set once, before any pico runs; read from any thread.
  EngineConfig engine_config() override { return engine_config_; }
  void set_engine_config(EngineConfig config) { engine_config_ = config; }

  // A cluster node's slot table (cluster/slot_table.h), or nullptr: a new
  // pico whose parent has no slot draws its slot among those this node
  // owns (any slot when it owns none, or outside a cluster). Any thread;
  // the table must outlive its use (Engine::set_cluster).
  void set_slot_table(const cluster::SlotTable* table) {
    slot_table_.store(table, std::memory_order_release);
  }
  // The slots sealed for a move (cluster/slot_seals.h): a new pico never
  // draws one, and an event:send to one goes through the outbox. Set once,
  // before any pico runs; it outlives this object.
  void set_seals(const SlotSeals* seals) { seals_ = seals; }
  cluster::Slot slot_for_new_pico() override;
  std::string cluster_host_of(const std::string& eci) override;

  // Makes every running and later evaluation give up at its next step (the
  // engine is stopping). Any thread; cannot be undone.
  void interrupt_evaluations() { interrupt_.store(true, std::memory_order_relaxed); }
  const std::atomic<bool>* interrupt() override { return &interrupt_; }

 protected:
  std::optional<ChannelRecord> existing_channel(Transaction& txn, const std::string& eci) override;
  api::Result<krl::Value> query_existing(Transaction& txn, const ChannelRecord& channel,
                                         const QueryCall& query) override;
  api::Result<WaitAnswer> event_wait_existing(Transaction& txn, const ChannelRecord& channel,
                                              const WaitedEvent& event) override;
  api::Result<PicoState*> hold_for_deletion(Transaction& txn, const std::string& pico_id) override;

 private:
  store::Store& store_;
  RulesetRegistry& registry_;
  ChannelIndex& channels_;
  const std::shared_ptr<const Clock> clock_;
  PicoActors* actors_ = nullptr;
  const PrototypeCatalog* prototypes_ = nullptr;
  Mutex host_mu_;
  std::string host_url_ SPIME_GUARDED_BY(host_mu_);
  EngineConfig engine_config_;
  std::atomic<bool> interrupt_{false};
  std::atomic<const cluster::SlotTable*> slot_table_{nullptr};
  const SlotSeals* seals_ = nullptr;
};

}  // namespace spime::runtime
