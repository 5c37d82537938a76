#include "engine/cluster/slot_route.h"

namespace spime::cluster {

SlotRoute route_eci(const SlotTable& table, std::string_view eci, bool forwarded,
                    std::int64_t now_ns) {
  SlotRoute r;
  const std::optional<Slot> slot = table.slot_of(eci);
  if (!slot) return r;  // kServe: not slotted
  r.slot = *slot;
  if (table.serves(*slot, now_ns)) return r;
  r.kind = SlotRoute::Kind::kRefuse;
  const std::optional<std::string> owner = table.owner(*slot);
  const std::string slot_name = "slot " + slot_text(*slot);
  if (!owner) {
    r.why = slot_name + " has no owner";
  } else if (*owner == table.self() && table.moving_away(*slot)) {
    r.why = slot_name + " is moving to another node";
  } else if (*owner == table.self()) {
    r.why = slot_name + " is not served while this node's lease is unconfirmed";
  } else if (forwarded) {
    r.why = slot_name + " belongs to node " + *owner + ", and the request was forwarded already";
  } else if (std::string url = table.advertise_url(*owner); url.empty()) {
    r.why = slot_name + " belongs to node " + *owner + ", which is not live";
  } else {
    r.kind = SlotRoute::Kind::kForward;
    r.node = *owner;
    r.url = std::move(url);
  }
  return r;
}

}  // namespace spime::cluster
