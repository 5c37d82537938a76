// What a collection's stream follows besides its own events: the readings of
// its members that live on this engine (issue 19 §1), and the one place that
// knows which ruleset makes a pico a collection and which events are readings.
//
// A collection is a pico with `spimes_collection` installed; its members are
// the records of that ruleset's `members()` (its entity variable `members`:
// {Id: {name, id, eci, Tx_host?}}); a member with a Tx_host lives on another
// engine and is not followed. A reading is an event esproto:new_<type>_reading
// (esproto_router raises one per sensor type of a heartbeat, on the device).
//
// Who calls: the engine's watch() (the members when a watch starts, through
// an internal query on the collection's FIFO) and the pico actor (the members
// again whenever a collection's transaction rewrites them); both run on the
// collection pico's thread, so the watch hub gets its member lists in the
// pico's order. Free functions; thread-safe (the channel index is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/value.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class ChannelIndex;

inline constexpr std::string_view kCollectionRid = "spimes_collection";
// Its entity variable and its query of the same name.
inline constexpr std::string_view kMembersName = "members";

// Whether an event is a reading: esproto:new_<type>_reading.
bool is_reading(std::string_view domain, std::string_view name);

// The pico ids, on this engine, of the members in `members`: the map of
// records in the entity variable or the array members() answers (anything
// else: none). A member with a Tx_host, or whose eci leads to no channel
// here, is left out. May read the store (a channel not in the index).
std::vector<std::string> local_member_picos(ChannelIndex& channels, const store::Store& store,
                                            const krl::Value& members);

}  // namespace spime::runtime
