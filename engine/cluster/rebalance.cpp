#include "engine/cluster/rebalance.h"

#include <algorithm>
#include <set>

#include "engine/cluster/membership.h"

namespace spime::cluster {

using api::Status;

std::vector<PlannedMove> plan_rebalance(const std::map<Slot, std::string>& owners,
                                        const std::vector<std::string>& live) {
  std::vector<PlannedMove> moves;
  const std::set<std::string> nodes(live.begin(), live.end());
  if (nodes.empty()) return moves;
  // Each live node's slots, and how many of the movable ones it should keep.
  std::map<std::string, std::vector<Slot>> held;
  std::size_t movable = 0;
  for (const std::string& n : nodes) held[n];
  for (const auto& [slot, owner] : owners) {
    if (nodes.count(owner) == 0) continue;
    held[owner].push_back(slot);
    ++movable;
  }
  std::map<std::string, std::size_t> share;
  std::size_t i = 0;
  for (const std::string& n : nodes) {
    share[n] = movable / nodes.size() + (i++ < movable % nodes.size() ? 1 : 0);
  }
  // Give: from the nodes above their share, their highest slots first.
  std::vector<PlannedMove> given;
  for (auto& [node, slots] : held) {
    std::sort(slots.begin(), slots.end());
    while (slots.size() > share[node]) {
      given.push_back({slots.back(), node, {}});
      slots.pop_back();
    }
  }
  // Take: the nodes below theirs, in name order.
  auto next = given.begin();
  for (auto& [node, slots] : held) {
    for (std::size_t n = slots.size(); n < share[node] && next != given.end(); ++n, ++next) {
      next->to = node;
      moves.push_back(*next);
    }
  }
  std::sort(moves.begin(), moves.end(),
            [](const PlannedMove& a, const PlannedMove& b) { return a.slot < b.slot; });
  return moves;
}

Status rebalance(EtcdClient& kv, const Rebalance& options, RebalanceResult* out,
                 const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const std::string prefix = cluster_prefix(options.cluster);
  std::vector<KeyValue> keys;
  Status s = kv.range(prefix, prefix_end(prefix), &keys);
  if (!s.is_ok()) return Status::unavailable("etcd: " + s.message());
  std::map<Slot, std::string> owners;
  std::vector<std::string> live;
  for (const KeyValue& k : keys) {
    const std::string rest = k.key.substr(prefix.size());
    if (rest.rfind("slots/", 0) == 0) {
      if (auto slot = parse_slot_text(rest.substr(6)); slot && !k.value.empty()) {
        owners[*slot] = k.value;
      }
    } else if (rest.rfind("nodes/", 0) == 0) {
      live.push_back(rest.substr(6));
    }
  }
  out->planned = plan_rebalance(owners, live);
  say("plan: " + std::to_string(out->planned.size()) + " slot moves over " +
      std::to_string(live.size()) + " live nodes");
  if (options.dry_run) return Status::ok();
  for (const PlannedMove& m : out->planned) {
    if (out->moved >= options.max_moves) break;
    SlotMove move;
    move.cluster = options.cluster;
    move.slot = m.slot;
    move.to = m.to;
    move.http = options.http;
    SlotMoveResult r;
    s = move_slot(kv, move, &r);
    if (!s.is_ok()) {
      return Status(s.code(), "slot " + slot_text(m.slot) + " (" + m.from + " to " + m.to +
                                  "): " + s.message());
    }
    ++out->moved;
    out->picos += r.picos;
    say("moved slot " + slot_text(m.slot) + " from " + m.from + " to " + m.to + ": " +
        std::to_string(r.picos) + " picos" +
        (r.released ? std::string() : " (the source kept its copy: " + r.release_error + ")"));
  }
  return Status::ok();
}

}  // namespace spime::cluster
