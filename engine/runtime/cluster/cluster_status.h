// The engine's answer to GET /api/cluster (api::EngineApi::cluster): what a
// cluster node knows of the cluster, as a KRL Map (so the HTTP layer answers
// it as any JSON):
//
//   {"cluster": NAME, "node": NAME, "advertise": URL,
//    "fence": "open" | "closed", "revision": N, "rejoins": N,
//    "slots": <slots this node owns>,
//    "nodes": [{"name", "url" ("" when not live), "live", "slots"}, ...]}
//
// Every node that is live or owns a slot is listed, by name.
//
// Thread-safety: reads the membership's table (slot_table.h), any thread.
#pragma once

#include "engine/cluster/membership.h"
#include "engine/krl/value.h"

namespace spime::runtime {

krl::Value cluster_status(const cluster::Membership& membership);

}  // namespace spime::runtime
