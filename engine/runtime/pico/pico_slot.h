// PicoSlot: a pico as the engine hosts it (pico_table.h keeps them): its
// inbox (the FIFO of events and queries waiting for it, pico_actor.h), its
// run lock, its in-memory state and the commit sequence number of the last
// transaction that wrote it.
//
// Thread-safety: each member says what guards it; the annotations
// (engine/base/thread_annotations.h) are checked by clang's -Wthread-safety.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "engine/base/thread_annotations.h"
#include "engine/runtime/pico/pico_messages.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/records/delivery_records.h"

namespace spime::runtime {

struct PicoSlot {
  explicit PicoSlot(std::string pico_id) : id(std::move(pico_id)) {}

  const std::string id;

  // ---- the inbox: under inbox_mu ----
  Mutex inbox_mu;
  std::deque<PicoMessage> inbox SPIME_GUARDED_BY(inbox_mu);
  bool kicked SPIME_GUARDED_BY(inbox_mu) = false;  // a drain is queued on the pico's actor
  // Removed: refuse everything. Written with both inbox_mu and run_mu held,
  // so either one is enough to read it (the analysis knows one guard only).
  bool deleted = false;
  std::atomic<size_t> queued{0};  // inbox.size(), readable without the lock

  // ---- running: whoever holds run_mu (the pico's actor, or another pico's
  // thread running a nested call here) ----
  TimedMutex run_mu;
  // Null: load from the store on first use.
  std::unique_ptr<PicoState> state SPIME_GUARDED_BY(run_mu);
  std::uint64_t ruleset_generation SPIME_GUARDED_BY(run_mu) = 0;

  // The commit sequence number of the last submitted transaction that wrote
  // this pico (written under run_mu; read anywhere).
  std::atomic<std::uint64_t> last_seq{0};

  // Delivery logs (records/delivery_records.h) written by this pico's submitted
  // transactions that may not be durable yet, by key, each with the commit
  // sequence number that writes it: a repeat is recognised before the store
  // has the first copy's record. Entries go once durable (under run_mu).
  std::map<std::string, std::pair<DeliveryLog, std::uint64_t>> pending_deliveries
      SPIME_GUARDED_BY(run_mu);

  // ---- where it runs (pico/io_pool.h) ----
  // Whether its installed rulesets need the I/O pool, as computed for the
  // state's installs_version() and the registry generation below (under run_mu).
  bool io_bound SPIME_GUARDED_BY(run_mu) = false;
  std::uint64_t io_installs_version SPIME_GUARDED_BY(run_mu) = 0;
  std::uint64_t io_generation SPIME_GUARDED_BY(run_mu) = 0;
  // Set (from any thread) when a blocking call was refused while this pico was
  // drained on a scheduler thread: it runs on the I/O pool from then on.
  std::atomic<bool> wants_io{false};

  // The pico's executor (pico_actor.h); set by the table.
  PicoExecutor executor;
  std::list<std::string>::iterator lru_position;  // under PicoTable's mutex
};

}  // namespace spime::runtime
