// Overrides for adopted legacy picos (docs/cluster.md, "Slots"): the one
// writer of overrides/<eci> keys besides a pico's move (pico_mover.h).
//
// put_overrides() puts overrides/<eci> -> `slot` for every ECI, in
// transactions of at most kOverridesPerTxn puts (etcd's default
// --max-txn-ops is 128), each only while slots/<slot> still names `node`
// and no move of the slot is planned (moves/<slot> absent): an override
// never points at a slot that left the node meanwhile.
//
// Thread-safety: one EtcdClient, used by one thread at a time.
// Errors: etcd's (unreachable, no quorum), as EtcdClient returns them;
// kConflict when the slot is no longer `node`'s or is moving (the
// transactions before it stay: an override of a slot the node owned then,
// found and rewritten by the next adoption step).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

inline constexpr std::size_t kOverridesPerTxn = 120;

// `prefix`: cluster_prefix() of the cluster.
api::Status put_overrides(EtcdClient& kv, const std::string& prefix, const std::string& node,
                          Slot slot, const std::vector<std::string>& ecis);

}  // namespace spime::cluster
