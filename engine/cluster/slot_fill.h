// Filling the slot table in etcd (docs/cluster.md, "etcd: what is kept"):
// the one place that writes owners into slots that have none. A joining
// node fills what is empty with itself (membership.h); `spime cluster init`
// spreads the slots over named nodes before any of them starts.
//
// Both write in transactions of 64 slots (etcd's default --max-txn-ops is
// 128, and each slot is one compare and one put): each slot is put only if
// it is still absent, so two fillers never overwrite each other's owners;
// when one got there first, the table is read again (at most 3 rounds).
//
// Thread-safety: functions over one EtcdClient, used by one thread.
// Errors: etcd's (unreachable members, no quorum), as EtcdClient returns
// them; kConflict from init_slot_table when the table was filled already.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

// Gives every slot without an owner under `prefix` (cluster_prefix()) to
// owner_of(slot).
api::Status fill_absent_slots(EtcdClient& kv, const std::string& prefix,
                              const std::function<std::string(Slot)>& owner_of);

// The node of `nodes` that owns `slot` when the slots are spread over them
// in contiguous ranges of (nearly) equal size, in the order given.
const std::string& spread_owner(const std::vector<std::string>& nodes, Slot slot);

// Claims the table of `cluster` (its `init` key, naming nodes[0]) and
// spreads every slot over `nodes` (spread_owner). kConflict when `init`
// exists: a node or an earlier init filled the table. kInvalidArgument for
// no nodes, a name unfit for a node, or a name given twice.
api::Status init_slot_table(EtcdClient& kv, const std::string& cluster,
                            const std::vector<std::string>& nodes);

}  // namespace spime::cluster
