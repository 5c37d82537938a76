// Engine's cluster calls (engine.h), apart from engine.cpp: the engine only
// points at the process's membership (cli/serve_cluster.h starts it).
#include "engine/cluster/membership.h"
#include "engine/runtime/cluster/cluster_status.h"
#include "engine/runtime/engine.h"

namespace spime::runtime {

void Engine::set_cluster(const cluster::Membership* membership) {
  cluster_.store(membership, std::memory_order_release);
}

void Engine::cluster(api::Done<krl::Value> done) {
  const cluster::Membership* m = cluster_.load(std::memory_order_acquire);
  if (!m) return api::EngineApi::cluster(std::move(done));
  done(cluster_status(*m));
}

}  // namespace spime::runtime
