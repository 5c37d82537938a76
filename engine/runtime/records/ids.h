// Identifiers the engine mints: pico ids, ECIs, event ids, schedule ids.
//
// Every id (new_id) is 24 characters of the URL-safe base64 alphabet ([A-Za-z0-9_-]),
// 144 bits from the kernel's CSPRNG (getrandom). An ECI is a capability: it
// must not be guessable, so no counter or time goes into it. The alphabet
// never contains the store's key separator, so ids are safe as key fields.
//
// A slotted ECI (new_slotted_eci) is 25 characters: the pico's cluster slot
// as 3 lower-case hex digits (engine/cluster/slots.h), then 22 characters of
// the same alphabet, 132 random bits. Its length tells it from a 24-character
// id, so an ECI minted before slots never reads as slotted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/cluster/slots.h"

namespace spime::runtime {

constexpr size_t kIdLength = 24;
constexpr size_t kSlottedEciLength = cluster::kSlottedEciLength;

// A fresh random id (URL-safe base64, never beginning with '-', which a
// command line would take for an option). Never fails: falls back to
// std::random_device when getrandom is unavailable.
std::string new_id();

// True when `s` could be an id we minted or one the reference mints (cuid-like
// ids are also URL-safe): 1..128 characters of [A-Za-z0-9_-]. Used to refuse
// junk ECIs before they reach the store.
bool is_valid_id(std::string_view s);

// A fresh ECI carrying `slot` (below cluster::kSlotCount). Never fails, as
// new_id.
std::string new_slotted_eci(cluster::Slot slot);

// The slot a slotted ECI carries (cluster/slots.h, where routers and the
// HTTP layer read it too).
using cluster::slot_of_eci;

// A fresh ECI for a pico whose record says `slot`: slotted when it has one,
// else a plain id (picos made before slots, the root).
inline std::string new_eci(std::optional<cluster::Slot> slot) {
  return slot ? new_slotted_eci(*slot) : new_id();
}

// A slot drawn at random (from the same source as ids), for a pico whose
// parent has none.
cluster::Slot random_slot();

// A number drawn uniformly below `n` (n > 0), from the same source as ids.
std::uint32_t random_below(std::uint32_t n);

}  // namespace spime::runtime
