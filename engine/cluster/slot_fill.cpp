#include "engine/cluster/slot_fill.h"

#include <set>

#include "engine/cluster/membership.h"

namespace spime::cluster {

using api::Status;

namespace {

constexpr std::size_t kSlotsPerFill = 64;
constexpr int kRounds = 3;

}  // namespace

Status fill_absent_slots(EtcdClient& kv, const std::string& prefix,
                         const std::function<std::string(Slot)>& owner_of) {
  const std::string slots_prefix = prefix + "slots/";
  for (int round = 0; round < kRounds; ++round) {
    std::vector<KeyValue> slots;
    Status s = kv.range(slots_prefix, prefix_end(slots_prefix), &slots);
    if (!s.is_ok()) return s;
    std::vector<bool> owned(kSlotCount, false);
    for (const KeyValue& k : slots) {
      if (auto slot = parse_slot_text(std::string_view(k.key).substr(slots_prefix.size()))) {
        owned[*slot] = true;
      }
    }
    bool all_held = true;
    Txn fill;
    auto flush = [&]() -> Status {
      if (fill.success.empty()) return Status::ok();
      bool ok = false;
      Status r = kv.txn(fill, &ok);
      if (r.is_ok() && !ok) all_held = false;  // another filler got some first: read again
      fill = Txn{};
      return r;
    };
    for (unsigned slot = 0; slot < kSlotCount; ++slot) {
      if (owned[slot]) continue;
      const std::string key = slots_prefix + slot_text(static_cast<Slot>(slot));
      fill.compare.push_back({key, Compare::Target::kVersion, Compare::Result::kEqual, 0, {}});
      fill.success.push_back(TxnOp::put(key, owner_of(static_cast<Slot>(slot))));
      if (fill.success.size() == kSlotsPerFill) {
        if (s = flush(); !s.is_ok()) return s;
      }
    }
    if (s = flush(); !s.is_ok()) return s;
    if (all_held) return Status::ok();
  }
  return Status::ok();  // what is still missing, the watch will show
}

const std::string& spread_owner(const std::vector<std::string>& nodes, Slot slot) {
  const std::size_t i = std::size_t{slot % kSlotCount} * nodes.size() / kSlotCount;
  return nodes[i];
}

Status init_slot_table(EtcdClient& kv, const std::string& cluster,
                       const std::vector<std::string>& nodes) {
  if (nodes.empty()) return Status::invalid_argument("no nodes to spread the slots over");
  std::set<std::string> seen;
  for (const std::string& n : nodes) {
    if (!valid_cluster_name(n)) {
      return Status::invalid_argument("'" + n +
                                      "' is not a node name (1 to 64 of A-Z a-z 0-9 _ . -)");
    }
    if (!seen.insert(n).second) return Status::invalid_argument("node '" + n + "' is named twice");
  }
  const std::string prefix = cluster_prefix(cluster);
  bool first = false;
  Status s = kv.txn({{{prefix + "init", Compare::Target::kVersion, Compare::Result::kEqual, 0, {}}},
                     {TxnOp::put(prefix + "init", nodes.front())},
                     {}},
                    &first);
  if (!s.is_ok()) return s;
  if (!first) {
    return Status::conflict("the slot table of cluster '" + cluster + "' is filled already");
  }
  return fill_absent_slots(kv, prefix, [&nodes](Slot slot) { return spread_owner(nodes, slot); });
}

}  // namespace spime::cluster
