// Local delivery records: the one owner of how an event:send / ctx:event to
// a pico of this engine is kept in the store between its sender's commit and
// its receiver's (key family v/ in engine/store/keys.h), so that a crash in
// between (kill -9 after the sender's answer) does not lose it.
//
//   key    v/<seq>   (keys::local_delivery; <seq>: PicoActors' local sequence
//                     number, increasing, so a scan visits events in sending
//                     order)
//   value  {"eci": <text>, "domain": <text>, "name": <text>,
//           "from": <the sending pico's id>, "attrs": <the attrs, KRL-encoded JSON>}
//
// Exactly once within one store: the record is put in the sender's batch
// (PicoActors::submit) and erased in the batch of the receiver's schedule
// (PicoActors::run_event), so it exists exactly while the event is owed. A
// receiver that refuses the event for good (its channel or pico is gone, a
// policy denies it, its schedule fails) erases it in a batch of its own; one
// that cannot take it now (kept_for_later: a full inbox, the engine stopping
// or overloaded, an interrupted schedule, a full disk) leaves it for the next
// start, which posts every remaining record again, in order (Engine::open).
// So after a clean shutdown records remain only for those.
//
// Thread-safety: free functions; the store is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/api/status.h"
#include "engine/runtime/records/outgoing_event.h"
#include "engine/store/write_batch.h"

namespace spime::store {
class Store;
}

namespace spime::runtime::local_delivery_records {

// Whether an event refused with `s` is owed still (its record stays for the next start):
// kUnavailable (not now) and kStorageFull (nothing was written); any other refusal is for good.
inline bool kept_for_later(const api::Status& s) {
  return s.code() == api::Status::Code::kUnavailable || s.code() == api::Status::Code::kStorageFull;
}

// The record of `e` (whose local_seq is set) in `b`.
void put(store::WriteBatch* b, const OutgoingEvent& e);
void erase(store::WriteBatch* b, std::uint64_t seq);

std::string encode_record(const OutgoingEvent& e);
// Fills e's eci, domain, name, from_pico_id and attrs from a stored value;
// false (e unspecified) when it is not a value encode_record wrote.
bool decode_record(std::string_view value, OutgoingEvent* e);

// Every stored record in sending order (local_seq set). Keys or values that
// do not parse are reported through `bad` (key) and skipped.
void scan(const store::Store& s, const std::function<void(OutgoingEvent&&)>& visit,
          const std::function<void(const std::string& key)>& bad);

}  // namespace spime::runtime::local_delivery_records
