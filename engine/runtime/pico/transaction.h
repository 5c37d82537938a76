// Transaction: everything one event schedule (or one query) on one pico
// does, together with the nested runs on the picos it creates, until it is
// committed as ONE WriteBatch or dropped as a whole.
//
// A schedule writes its own pico's changes through its RuntimeHost's overlay
// (runtime_host.h), which lands here when the schedule succeeds. Everything
// else goes here directly, in program order: the records of picos made by
// ctx:newPico, the erasures of ctx:delPico, scheduled events, and the
// schedules of nested runs on created picos (ctx:eventQuery to a new pico
// runs that pico's rules inside this transaction: its writes commit with the
// creating schedule or not at all).
//
// A pico created here is usable at once by the schedule that made it (its
// state lives in `created`) and by no one else until the transaction is
// submitted: then the engine hands `created` to the pico table and
// `channel_changes` to its channel index, before any later request can look.
//
// Not thread-safe: owned by the thread running the schedule. Dropping a
// transaction drops its writes and releases what it holds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/records/outgoing_event.h"
#include "engine/runtime/records/records.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

struct Transaction {
  // Bounds nested runs on created picos (a pico that creates a pico that ...).
  static constexpr int kMaxNesting = 16;

  store::WriteBatch batch;
  std::vector<OutgoingEvent> outgoing;

  // Picos made by ctx:newPico in this transaction, by pico id.
  std::map<std::string, std::unique_ptr<PicoState>> created;
  // Channel writes in order: (eci, record) or (eci, nullopt) for a deletion.
  std::vector<std::pair<std::string, std::optional<ChannelRecord>>> channel_changes;
  // Existing (committed or pending) picos erased by ctx:delPico.
  std::vector<std::string> deleted_picos;

  // The highest commit sequence number (store/committer.h) of anything this
  // transaction read that was not durable yet: its answer waits for it.
  std::uint64_t depends_on = 0;
  void depend_on(std::uint64_t seq) {
    if (seq > depends_on) depends_on = seq;
  }

  // Held until the transaction ends (the engine's run locks on picos being
  // deleted, offline copies of their states).
  std::vector<std::shared_ptr<void>> held;

  int nesting = 0;

  // Something this transaction did outlives its rollback (a nested event on
  // an existing pico, which commits on its own): it cannot be run again.
  bool has_lasting_effects = false;

  // The created pico that owns channel `eci`, or nullptr.
  PicoState* created_pico_of(const std::string& eci) const {
    for (const auto& [id, state] : created) {
      if (state->channels().count(eci)) return state.get();
    }
    return nullptr;
  }
};

}  // namespace spime::runtime
