// SlotRoute: what this node does with a request for an ECI, from its slot
// table (docs/cluster.md, "Fencing" and "Routing with HAProxy"). The HTTP
// layer's slot gate (channels/slot_gate.h) asks it before any route runs.
//
//   kServe    the ECI has no slot (SlotTable::slot_of: neither an override
//             nor a slot of its own; a legacy ECI lives where it was minted,
//             or it is not an ECI of ours), or this node owns its slot and
//             the fence is open;
//   kForward  another node owns the slot and is live with an advertised URL,
//             and the request was not forwarded already: send it there once;
//   kRefuse   anything else: this node owns the slot but its fence is closed
//             or a move of it is planned,
//             the slot has no owner, the owner is not live, or the request
//             was forwarded to this node already (never a second hop). The
//             caller answers 503 with Retry-After; nothing runs.
//
// Thread-safety: a pure function of the table, which any thread may read.
// The serving case is the table's lock-free serves(); the others take its
// mutex once or twice.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/cluster/slot_table.h"

namespace spime::cluster {

struct SlotRoute {
  enum class Kind { kServe, kForward, kRefuse };
  Kind kind = Kind::kServe;
  Slot slot = 0;
  std::string node;  // kForward: the owner's name
  std::string url;   // kForward: the owner's advertised URL
  std::string why;   // kRefuse: one line, for the {"error": ...} answer
};

SlotRoute route_eci(const SlotTable& table, std::string_view eci, bool forwarded,
                    std::int64_t now_ns);
inline SlotRoute route_eci(const SlotTable& table, std::string_view eci, bool forwarded) {
  return route_eci(table, eci, forwarded, boot_clock_ns());
}

}  // namespace spime::cluster
