// The states /metrics reports. See readings.h.
#include "engine/runtime/metrics/readings.h"

#include <algorithm>
#include <map>
#include <utility>

#include "engine/logging/log.h"
#include "engine/runtime/outbound/outbox.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

// Destinations by host and shortened eci: two ECIs of one host that share
// their first characters add up (a label set appears once).
void read_outbox(const Outbox& outbox, Readings* r) {
  const api::OutboxStatus s = outbox.status();
  r->has_outbox = true;
  r->outbox_capacity = s.capacity;
  r->outbox_waiting = s.waiting;
  r->outbox_delivered = s.delivered;
  r->outbox_dropped = s.dropped;
  std::map<std::pair<std::string, std::string>, Readings::OutboxDestination> merged;
  for (const api::OutboxDestination& d : s.destinations) {
    std::string eci = logging::short_eci(d.eci);
    Readings::OutboxDestination& m = merged[{d.host, eci}];
    m.host = d.host;
    m.eci = std::move(eci);
    m.waiting += d.waiting;
    m.oldest_age_seconds =
        std::max(m.oldest_age_seconds, static_cast<double>(d.oldest_age_ms) / 1000.0);
  }
  for (auto& [key, d] : merged) r->outbox.push_back(std::move(d));
}

}  // namespace

Readings read_readings(const PicoTable& picos, store::Store& store, const Outbox* outbox) {
  Readings r;
  const PicoTable::InboxTotals inboxes = picos.inbox_totals();
  r.active_picos = inboxes.picos;
  r.inbox_messages = inboxes.messages;
  r.inbox_max_messages = inboxes.max_messages;
  r.commit_queue_batches = store.committer().pending();
  r.commit_queue_limit = store.committer().max_pending();
  if (outbox) read_outbox(*outbox, &r);
  const store::Store::Stats st = store.stats();
  r.store_estimated_keys = st.estimated_keys;
  r.store_block_cache_usage_bytes = st.block_cache_usage;
  r.store_block_cache_capacity_bytes = st.block_cache_capacity;
  r.store_memtable_bytes = st.memtable_bytes;
  r.store_pending_compaction_bytes = st.pending_compaction_bytes;
  r.store_live_sst_bytes = st.live_sst_bytes;
  r.store_running_compactions = st.running_compactions;
  return r;
}

}  // namespace spime::runtime
