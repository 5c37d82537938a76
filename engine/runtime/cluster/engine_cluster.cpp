// Engine's cluster glue (engine.h), apart from engine.cpp: the engine only
// points at the process's membership (cli/serve_cluster.h starts it);
// set_cluster hands its slot table to the services (where new picos draw
// their slots) and to the slot moves, whose steps the engine forwards.
#include "engine/cluster/membership.h"
#include "engine/runtime/cluster/cluster_status.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/engine_impl.h"

namespace spime::runtime {

using api::Done;

void Engine::set_cluster(const cluster::Membership* membership) {
  cluster_.store(membership, std::memory_order_release);
  const cluster::SlotTable* table = membership ? &membership->table() : nullptr;
  impl_->services->set_slot_table(table);
  impl_->slot_table.store(table, std::memory_order_release);
  impl_->moves->set_table(table);
}
void Engine::export_slot(std::uint16_t slot, Done<std::string> done) {
  impl_->moves->export_slot(slot, impl_->track(std::move(done)));
}
void Engine::import_slot(std::uint16_t slot, std::string records, Done<krl::Value> done) {
  impl_->moves->import_slot(slot, std::move(records), impl_->track(std::move(done)));
}
void Engine::release_slot(std::uint16_t slot, Done<krl::Value> done) {
  impl_->moves->release_slot(slot, impl_->track(std::move(done)));
}
void Engine::unseal_slot(std::uint16_t slot, Done<krl::Value> done) {
  impl_->moves->unseal_slot(slot, std::move(done));
}
void Engine::pico_move_step(api::PicoMoveStep step, Done<std::string> done) {
  impl_->moves->pico_step(std::move(step), impl_->track(std::move(done)));
}
void Engine::adopt_legacy_picos(SlotMoves::OverrideWriter write,
                                Done<SlotMoves::AdoptionStep> done) {
  impl_->moves->adopt_legacy(std::move(write), impl_->track(std::move(done)));
}

void Engine::cluster(api::Done<krl::Value> done) {
  const cluster::Membership* m = cluster_.load(std::memory_order_acquire);
  if (!m) return api::EngineApi::cluster(std::move(done));
  done(cluster_status(*m));
}

}  // namespace spime::runtime
