// LegacyAdopter: gives this engine's legacy picos (made before slots) slots
// of this node and overrides for their ECIs, once the engine is a cluster
// node that serves a slot (SlotMoves::adopt_legacy, slot_moves.h). A new
// node that owns no slot yet waits until a rebalance gives it some.
//
// One thread runs adoption steps one after another until a step answers
// that no legacy pico is left, then ends; a refused step (this node owns
// no slot yet, a pico stays busy, etcd refuses, a move step runs) is tried
// again after `retry`, each distinct refusal logged once. The first step
// runs at once: an engine without legacy picos is done before any move
// reaches it (a step holds the engine's move thread while it reads the
// pico records). `spime serve`
// starts one after joining (cli/serve_command.cpp).
//
// Thread-safety: construct, stop() and the destructor from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace spime::cluster {
class Membership;
}

namespace spime::runtime {

class Engine;

class LegacyAdopter {
 public:
  struct Options {
    std::chrono::milliseconds retry{1000};
    // Bound of one step's wait for its answer.
    std::chrono::milliseconds step_timeout{60000};
  };
  // `engine` answers the engine serving now (it may be reopened), or null.
  // `membership` outlives this object.
  LegacyAdopter(std::function<std::shared_ptr<Engine>()> engine,
                const cluster::Membership& membership, std::function<void(const std::string&)> log,
                Options options);
  LegacyAdopter(std::function<std::shared_ptr<Engine>()> engine,
                const cluster::Membership& membership, std::function<void(const std::string&)> log)
      : LegacyAdopter(std::move(engine), membership, std::move(log), Options{}) {}
  ~LegacyAdopter();
  LegacyAdopter(const LegacyAdopter&) = delete;
  LegacyAdopter& operator=(const LegacyAdopter&) = delete;

  // Ends the thread (a step running finishes first, within step_timeout).
  void stop();

 private:
  void run();
  // False when stopping.
  bool pause(std::chrono::milliseconds d);

  const std::function<std::shared_ptr<Engine>()> engine_;
  const cluster::Membership& membership_;
  const std::function<void(const std::string&)> log_;
  const Options options_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace spime::runtime
