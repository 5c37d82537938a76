// Slot records: everything a slot's picos keep in the store, read for a
// move to another engine, and the one format that carries it between
// engines (docs/cluster.md, "Moving a slot or a pico").
//
// What a slot holds: the picos whose record names the slot, and for each
// its record (p/) and its entry in the slot (z/), its channels (c/ and h/), every key of
// store::keys::pico_scoped_prefixes (children, installations, entity
// variables, select-when states, accepted deliveries, logs, the episode
// log, its MQTT topics), the q/ record of each topic it publishes to that
// still names one of its channels, and the due keys (t/) of its schedules.
// Beside them, the source of every ruleset installed in one of them, so the
// destination can register what it lacks. What stays with the engine: its
// meta, app variables, the outbox (events a moved pico sent before the move
// are delivered from where they were sent) and local deliveries (the move
// waits until none is owed to the slot).
//
// The format (JSON):
//   {"format": "spime-slot-1", "slot": "3a7", "picos": [id, ...],
//    "rulesets": [{"rid", "url", "source"}, ...],
//    "records": [[key, value], ...]}   key and value in standard base64
// decode_slot_records() accepts only what encode_slot_records() writes, with
// every key of a family a move carries (store::keys::movable_key).
//
// Thread-safety: free functions; the store is thread-safe. A collection is
// consistent only while nothing writes the slot's picos (the move has sealed
// the slot and seen its picos idle).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/cluster/slots.h"

namespace spime::store {
class Store;
class WriteBatch;
}  // namespace spime::store

namespace spime::runtime {

struct SlotRecords {
  struct Ruleset {
    std::string rid, url, source;
  };
  cluster::Slot slot = 0;
  std::vector<std::string> picos;
  std::vector<Ruleset> rulesets;
  std::vector<std::pair<std::string, std::string>> records;  // key, value
};

// The ids of the picos whose record names `slot`: one range read of the
// slot's entries (pico_records::picos_in_slot).
std::vector<std::string> picos_in_slot(const store::Store& s, cluster::Slot slot);

// Everything `picos` (all of `slot`) keep, as above.
SlotRecords collect_slot(const store::Store& s, cluster::Slot slot,
                         const std::vector<std::string>& picos);

// For an import: puts every record into `batch` as it came, and the slot
// entry (z/) of each pico record that names a slot, whether or not the
// records carried it (an exporter of schema 2, in a cluster being upgraded
// one engine at a time, sent none).
void put_slot_records(const SlotRecords& records, store::WriteBatch* batch);

std::string encode_slot_records(const SlotRecords& records);
// False with a one-line *error for anything encode_slot_records did not write.
bool decode_slot_records(std::string_view text, SlotRecords* out, std::string* error);

// For a pico's move: makes `records` (one pico's, `pico_id`) name `slot`,
// in their header, in the pico's record and in its slot entry. False + *error when they hold
// no readable record of that pico.
bool reslot_pico(SlotRecords* records, const std::string& pico_id, cluster::Slot slot,
                 std::string* error);
// The slot the record of `pico_id` among `records` names; nullopt when
// absent, unreadable, or without a slot.
std::optional<cluster::Slot> record_slot(const SlotRecords& records, const std::string& pico_id);

// The ECIs of the channels among `records` (their c/ keys).
std::vector<std::string> channel_ecis_of(const SlotRecords& records);

}  // namespace spime::runtime
