// pico_records: the one owner of how a pico lives in the store.
//
// Every write of a pico's structure (the pico record, its channels, its
// children, its installations, its entity variables and select-when states)
// and every read that loads a pico goes through these functions; no other
// runtime code builds a p/, c/, h/, k/, i/, e/ or w/ key (engine/store/keys.h
// documents the families, records.h the values).
//
// Writers append to a WriteBatch and never touch the store: the caller
// commits the batch (group commit) or drops it. Deleting a pico uses range
// deletions over its key families, so keys written by batches that are
// committed before the deleting one, but not yet visible to any reader, go
// too. Readers see committed state only.
//
// Thread-safety: free functions; the store is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/runtime/records/records.h"
#include "engine/store/write_batch.h"

namespace spime::store {
class Store;
}

namespace spime::runtime::pico_records {

// ---- writes -----------------------------------------------------------------------------------

// The record, and the pico's entry in its slot (z/) when it names one. A
// pico's slot is fixed once set (only a pico without one gets one, from the
// adoption of legacy picos); a move carries the entry with the record
// (runtime/cluster/slot_records.h).
void put_pico(store::WriteBatch* b, const std::string& pico_id, const PicoRecord& r);
// The channel record (c/<eci>) and its entry in the owner's index (h/<pico><sep><eci>).
void put_channel(store::WriteBatch* b, const ChannelRecord& c);
void erase_channel(store::WriteBatch* b, const std::string& pico_id, const std::string& eci);
void put_child(store::WriteBatch* b, const std::string& pico_id, const std::string& child_eci,
               std::int64_t order);
void erase_child(store::WriteBatch* b, const std::string& pico_id, const std::string& child_eci);
void put_installation(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                      const InstallRecord& r);
// The installation and everything the ruleset kept on the pico (entity variables, select-when
// states), as the reference's uninstall.
void erase_installation(store::WriteBatch* b, const std::string& pico_id, const std::string& rid);
void put_entvar(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                const std::string& name, const std::string& json);
void erase_entvar(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                  const std::string& name);
void put_rule_state(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                    const std::string& rule, const std::string& state);
void erase_rule_state(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                      const std::string& rule);
// Everything of the pico: its record (`record`, as loaded) and its slot entry, the given
// channels (c/ records are keyed by ECI, so the caller names them) and every key family scoped
// to the pico. Its children are not touched: erase each of them too.
void erase_pico(store::WriteBatch* b, const std::string& pico_id, const PicoRecord& record,
                const std::vector<std::string>& channel_ecis);
// The ids of the picos whose record names `slot` (its 3 hex digits), by their slot entries.
std::vector<std::string> picos_in_slot(const store::Store& s, const std::string& slot);

// ---- reads (committed state) ------------------------------------------------------------------

struct LoadedPico {
  PicoRecord record;
  std::vector<ChannelRecord> channels;                          // any order
  std::vector<std::pair<std::string, InstallRecord>> installs;  // (rid, record), install order
};
// False + *error when the pico does not exist ("Pico not found: <id>") or a record is corrupt.
// Without `with_channels`, out->channels stays empty (they cost a read each). Child links are
// never read here (one key per child; the root has one per pico): load_child, load_children.
bool load(const store::Store& s, const std::string& pico_id, LoadedPico* out, std::string* error,
          bool with_channels = true);
// The creation order of the pico's child link `child_eci`; false when it has no such child (or
// the record is corrupt).
bool load_child(const store::Store& s, const std::string& pico_id, const std::string& child_eci,
                std::int64_t* order);
// Every child link of the pico: (child eci, order), any order; false + *error when one is
// corrupt.
bool load_children(const store::Store& s, const std::string& pico_id,
                   std::vector<std::pair<std::string, std::int64_t>>* out, std::string* error);
// The ECIs of the pico's channels (h/ index), in key order.
std::vector<std::string> channel_ecis(const store::Store& s, const std::string& pico_id);

// One committed entity variable / select-when state, as stored (false when absent).
bool load_entvar(const store::Store& s, const std::string& pico_id, const std::string& rid,
                 const std::string& name, std::string* json);
bool load_rule_state(const store::Store& s, const std::string& pico_id, const std::string& rid,
                     const std::string& rule, std::string* state);

// A committed channel, its attribute schema compiled (false when unknown or
// unreadable, or when its stored schema no longer compiles: fail closed).
bool load_channel(const store::Store& s, const std::string& eci, ChannelRecord* out);

// ---- schema ---------------------------------------------------------------------------------

// Schema 1 -> 2: each pico's children list moves into k/ keys (schema_upgrade.h).
// False + *error on a corrupt record.
bool upgrade(const store::Store& s, store::WriteBatch* b, std::string* error);

}  // namespace spime::runtime::pico_records
