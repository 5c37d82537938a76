#include "engine/runtime/services/engine_services.h"

#include <algorithm>

#include "engine/cluster/slot_table.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/pico/pico_actor.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/ids.h"

namespace spime::runtime {

cluster::Slot EngineServices::slot_for_new_pico() {
  if (const cluster::SlotTable* table = slot_table_.load(std::memory_order_acquire)) {
    std::vector<cluster::Slot> own = table->own_slots();
    if (seals_) {
      own.erase(std::remove_if(own.begin(), own.end(),
                               [this, table](cluster::Slot s) {
                                 return seals_->sealed(s) || table->moving_away(s);
                               }),
                own.end());
    }
    if (!own.empty()) return own[random_below(static_cast<std::uint32_t>(own.size()))];
  }
  return random_slot();
}

std::string EngineServices::cluster_host_of(const std::string& eci) {
  const cluster::SlotTable* table = slot_table_.load(std::memory_order_acquire);
  if (!table) return "";
  // A pico sealed or planned away: its events wait in the outbox.
  if (table->eci_moving_away(eci) || (seals_ && seals_->sealed_pico_eci(eci))) return host_url();
  const std::optional<cluster::Slot> slot = table->slot_of(eci);
  if (!slot) return "";
  const bool here =
      table->owns(*slot) && !table->moving_away(*slot) && !(seals_ && seals_->sealed(*slot));
  if (here) return "";
  return host_url();
}

std::optional<ChannelRecord> EngineServices::existing_channel(Transaction& txn,
                                                              const std::string& eci) {
  ChannelIndex::Found found = channels_.lookup(store_, eci);
  txn.depend_on(found.depends_on);
  if (!found.channel) return std::nullopt;
  return *found.channel;
}

api::Result<krl::Value> EngineServices::query_existing(Transaction& txn,
                                                       const ChannelRecord& channel,
                                                       const QueryCall& query) {
  return actors_->nested_query(txn, channel, query);
}

api::Result<WaitAnswer> EngineServices::event_wait_existing(Transaction& txn,
                                                            const ChannelRecord& channel,
                                                            const WaitedEvent& event) {
  return actors_->nested_event(txn, channel, event);
}

api::Result<PicoState*> EngineServices::hold_for_deletion(Transaction& txn,
                                                          const std::string& pico_id) {
  return actors_->hold(txn, pico_id);
}

}  // namespace spime::runtime
