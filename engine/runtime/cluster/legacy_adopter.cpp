#include "engine/runtime/cluster/legacy_adopter.h"

#include <future>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/legacy_overrides.h"
#include "engine/cluster/membership.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/engine.h"

namespace spime::runtime {

using api::Status;

LegacyAdopter::LegacyAdopter(std::function<std::shared_ptr<Engine>()> engine,
                             const cluster::Membership& membership,
                             std::function<void(const std::string&)> log, Options options)
    : engine_(std::move(engine)), membership_(membership), log_(std::move(log)), options_(options) {
  thread_ = std::thread([this] { run(); });
}

LegacyAdopter::~LegacyAdopter() {
  stop();
}

void LegacyAdopter::stop() {
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

bool LegacyAdopter::pause(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping_.load(std::memory_order_acquire)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !stopping_.load(std::memory_order_acquire);
}

void LegacyAdopter::run() {
  const cluster::MembershipOptions& o = membership_.options();
  cluster::EtcdClient kv(o.etcd);
  const std::string prefix = cluster::cluster_prefix(o.cluster);
  // Called on the engine's move thread, one step at a time.
  auto write = [&kv, &prefix, node = o.node](std::uint16_t slot,
                                             const std::vector<std::string>& ecis) {
    return cluster::put_overrides(kv, prefix, node, slot, ecis);
  };
  std::string last_refusal;
  while (!stopping_.load(std::memory_order_acquire)) {
    // Asked even before this node owns a slot: an engine without legacy
    // picos (the usual case) is done at once, before any move reaches it.
    // After a refusal, a node without a slot asks again once it has one.
    std::shared_ptr<Engine> engine = engine_();
    if (!engine || (!last_refusal.empty() && membership_.table().own_slots().empty())) {
      if (!pause(options_.retry)) break;
      continue;
    }
    auto answer = std::make_shared<std::promise<api::Result<SlotMoves::AdoptionStep>>>();
    std::future<api::Result<SlotMoves::AdoptionStep>> future = answer->get_future();
    engine->adopt_legacy_picos(write, [answer](api::Result<SlotMoves::AdoptionStep> r) {
      answer->set_value(std::move(r));
    });
    if (future.wait_for(options_.step_timeout) != std::future_status::ready) {
      // The step still holds `write` (kv, prefix): wait it out.
      log_("legacy picos: an adoption step took over " +
           std::to_string(options_.step_timeout.count()) + " ms");
      future.wait();
    }
    api::Result<SlotMoves::AdoptionStep> r = future.get();
    if (!r.ok()) {
      if (r.status().message() != last_refusal) {
        last_refusal = r.status().message();
        log_("legacy picos not adopted yet: " + last_refusal);
      }
      if (!pause(options_.retry)) break;
      continue;
    }
    const SlotMoves::AdoptionStep& step = r.value();
    if (step.adopted == 0 && !step.more) break;
  }
}

}  // namespace spime::runtime
