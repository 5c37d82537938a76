// The messages a pico's inbox holds (pico_actor.h says how they run) and the
// executor that drains it.
//
// Thread-safety: the messages are plain values, moved between threads with
// the inbox's lock held; PicoExecutor's methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "engine/api/engine_api.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/services.h"

namespace spime::runtime {

struct PicoSlot;

struct RunEvent {
  IncomingEvent event;
  std::uint64_t depends_on = 0;  // what admission read
  api::Done<api::EventResult> done;
  std::optional<QueryCall> then_query;
  api::Done<krl::Value> query_done;
};

struct RunQuery {
  QueryCall query;
  std::uint64_t depends_on = 0;
  api::Done<krl::Value> done;
  // The engine's own query (not a client's): it leaves no episode, and `inspect`
  // (optional) sees its value on the pico's thread, in the FIFO's order, before
  // the answer waits for what it read to be durable.
  bool internal = false;
  std::function<void(const api::Result<krl::Value>&)> inspect;
};

using PicoMessage = std::variant<RunEvent, RunQuery>;

// A pico's executor: a CAF actor whose only behaviour is "drain the inbox".
// CAF schedules it on its worker threads; the inbox is ours (not CAF's
// mailbox) so that a nested call can run what waits in it, in order.
class PicoExecutor {
 public:
  PicoExecutor() = default;
  bool valid() const { return impl_ != nullptr; }
  // Queues one drain of `slot` on the actor (the slot's inbox_mu guards when).
  void kick(const std::shared_ptr<PicoSlot>& slot) const;
  // The actor exits once its queued drains are done.
  void stop() const;

  struct Impl;
  explicit PicoExecutor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace spime::runtime
