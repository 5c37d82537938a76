// Spawning a CAF actor from a thread that is not one of CAF's own (HTTP I/O,
// the I/O pool, the committer, the timer, a supervisor).
//
// CAF 0.17's spawn makes the calling thread hold the actor system's logger
// (a thread-local reference) until the thread exits, and ~actor_system waits
// for every such reference to go. A thread of ours that outlives the actor
// system (the HTTP threads while `spime serve` reopens its data directory,
// reopening_engine.h) would hang that destructor forever. A thread that held
// no logger before the spawn gives it back at once here; CAF's own workers
// keep theirs and are joined by the system.
//
// Thread-safety: as actor_system::spawn.
#pragma once

#include <utility>

#include <caf/all.hpp>

namespace spime::runtime {

template <class... Args>
auto spawn_from_any_thread(caf::actor_system& system, Args&&... args) {
  const bool held_logger = caf::logger::current_logger() != nullptr;
  auto actor = system.spawn(std::forward<Args>(args)...);
  if (!held_logger) caf::logger::set_current_actor_system(nullptr);
  return actor;
}

}  // namespace spime::runtime
