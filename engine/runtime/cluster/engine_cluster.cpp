// Engine's cluster answer (engine.h), apart from engine.cpp: the engine only
// points at the process's membership (cli/serve_cluster.h starts it;
// Engine::set_cluster, in engine.cpp, also hands its slot table to the
// services, where new picos draw their slots).
#include "engine/cluster/membership.h"
#include "engine/runtime/cluster/cluster_status.h"
#include "engine/runtime/engine.h"

namespace spime::runtime {

void Engine::cluster(api::Done<krl::Value> done) {
  const cluster::Membership* m = cluster_.load(std::memory_order_acquire);
  if (!m) return api::EngineApi::cluster(std::move(done));
  done(cluster_status(*m));
}

}  // namespace spime::runtime
