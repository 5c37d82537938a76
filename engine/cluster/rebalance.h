// Rebalancing: the slot moves that give every live node of a cluster its
// share of the slots (docs/cluster.md), as `spime cluster rebalance` runs
// them: a new engine takes its share in one command.
//
// plan_rebalance() is pure: from the owners it reads and the live nodes, the
// moves that leave each live node with 4096/N slots (the first 4096 mod N
// nodes by name one more), taking from the nodes above their share their
// highest-numbered slots, and giving to the nodes below theirs. Slots whose
// owner is not live, and slots without an owner, stay where they are (a
// slot only moves with its data, from a live owner).
//
// rebalance() reads the table, plans, and runs the moves one at a time
// (slot_mover.h's move_slot), stopping at the first refusal: what has moved
// stays moved, and running it again goes on from there.
//
// Thread-safety: rebalance() as move_slot (one call at a time per
// EtcdClient).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slot_mover.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

struct PlannedMove {
  Slot slot = 0;
  std::string from, to;
};

// `owners`: slot -> owner name, for the slots that have one; `live`: the
// live nodes' names.
std::vector<PlannedMove> plan_rebalance(const std::map<Slot, std::string>& owners,
                                        const std::vector<std::string>& live);

struct Rebalance {
  std::string cluster = "default";
  std::size_t max_moves = kSlotCount;  // at most this many moves this run
  bool dry_run = false;                // plan only
  client::Options http;                // as SlotMove's
};

struct RebalanceResult {
  std::vector<PlannedMove> planned;  // the whole plan
  std::size_t moved = 0;             // moves done (dry run: 0)
  std::size_t picos = 0;             // picos they carried
};

// kUnavailable when etcd cannot be read; a move's error (its slot named)
// when one is refused.
api::Status rebalance(EtcdClient& kv, const Rebalance& options, RebalanceResult* out,
                      const std::function<void(const std::string&)>& progress = {});

}  // namespace spime::cluster
