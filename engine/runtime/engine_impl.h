// EngineImpl: the engine's parts, wired together, behind Engine (engine.h).
// Each part owns one concept (see the headers included here); what is left
// in EngineImpl is admission glue, start-up and shutdown.
//
// Private to the runtime: only engine.cpp, engine_impl.cpp and
// cluster/engine_cluster.cpp include it. Thread-safety: as each member
// says; the methods below are called from any thread unless noted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/cluster/slot_table.h"
#include "engine/runtime/admission/admission.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/channel/rate_limiter.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/logs/episode_log.h"
#include "engine/runtime/metrics/metrics.h"
#include "engine/runtime/outbound/outbox.h"
#include "engine/runtime/pico/pico_actor.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/runtime/pico/post_commit.h"
#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/outgoing_event.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/engine_services.h"
#include "engine/runtime/streams/watch_hub.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/runtime/timers/schedule_timer.h"
#include "engine/store/store.h"

// CAF stays in engine.cpp (which creates, and destroys, the actor system).
namespace caf {
class actor_system;
class actor_system_config;
}  // namespace caf

namespace spime::runtime {

// An event:send's local delivery record (records/local_delivery_records.h; seq 0: none), and
// whether it is replayed at a start (then queued even at a full inbox).
struct LocalRecord {
  std::uint64_t seq = 0;
  bool replayed = false;
};

class EngineImpl {
 public:
  using Status = api::Status;
  template <class T>
  using Done = api::Done<T>;
  template <class T>
  using Result = api::Result<T>;

  EngineOptions options;
  // The one clock (EngineOptions::clock, or the system's); `manual` is it
  // when it can be driven (/api/clock), else null.
  std::shared_ptr<const Clock> clock;
  ManualClock* manual = nullptr;
  // Null when EngineOptions::metrics is off. Before the store: its committer reports to it.
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
  std::unique_ptr<PrototypeCatalog> prototypes;
  ChannelIndex channels;
  // Per-channel rate limits of outside senders (channel/rate_limiter.h).
  std::unique_ptr<RateLimiter> rate_limiter;
  ChannelRateLimit default_rate;  // per_second 0: none
  std::unique_ptr<EngineServices> services;
  std::unique_ptr<caf::actor_system_config> caf_config;
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<PicoTable> picos;
  std::unique_ptr<PicoActors> actors;
  PostCommit post_commit;
  std::vector<std::unique_ptr<CommitObserver>> observers;  // in post_commit, in order
  // After the store (destroyed before it: its workers delete records).
  std::unique_ptr<Outbox> outbox;
  std::unique_ptr<ScheduleTimer> timer;
  // Slot moves (cluster/slot_moves.h) and the slots they sealed.
  SlotSeals seals;
  std::unique_ptr<SlotMoves> moves;
  std::shared_ptr<WatchHub> hub;
  EpisodeLogOptions episodes;
  std::string root_pico_id, owner_eci, ui_eci, engine_id;
  Mutex mqtt_mu;
  // mqtt:publish's messages go here (empty: none).
  MqttPublisher mqtt_publisher SPIME_GUARDED_BY(mqtt_mu);

  std::atomic<bool> stopping{false};
  // The cluster node's slot table (Engine::set_cluster), or null.
  std::atomic<const cluster::SlotTable*> slot_table{nullptr};

  // Requests admitted and not yet answered; shutdown waits for zero.
  Mutex drain_mu;
  std::condition_variable drained;
  size_t in_flight SPIME_GUARDED_BY(drain_mu) = 0;

  // The stop clock (Engine::request_stop): a watchdog interrupts the
  // evaluations still running at interrupt_at, unless shutdown got there
  // first (stop_finished).
  Mutex stop_mu;
  std::condition_variable stop_cv;
  bool stop_requested SPIME_GUARDED_BY(stop_mu) = false;
  bool stop_finished SPIME_GUARDED_BY(stop_mu) = false;
  std::chrono::steady_clock::time_point interrupt_at SPIME_GUARDED_BY(stop_mu);
  // Started once, under stop_mu, by request_stop; joined (without the lock,
  // which the watchdog takes) by shutdown after its own request_stop().
  std::thread stop_watchdog;

  void interrupt_running();

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // Wraps `done` so that shutdown can wait for every admitted request, and so
  // that it runs at most once whoever calls it; `count` (Metrics::event_finished
  // or query_finished) counts its outcome.
  using Count = void (Metrics::*)(Status::Code);
  template <class T>
  Done<T> track(Done<T> done, Count count = nullptr) {
    {
      MutexLock lock(drain_mu);
      ++in_flight;
    }
    auto once = std::make_shared<std::atomic<bool>>(false);
    return [this, done = std::move(done), once, count](Result<T> r) {
      if (once->exchange(true)) return;
      if (count && metrics) (metrics.get()->*count)(r.ok() ? Status::Code::kOk : r.status().code());
      if (done) done(std::move(r));
      MutexLock lock(drain_mu);
      if (--in_flight == 0) drained.notify_all();
    };
  }

  // A refusal, answered once what it read is durable.
  template <class T>
  void refuse(const Admission& a, Done<T> done) {
    actors->finish(a.depends_on, {}, [done, status = a.status](const Status&) { done(status); });
  }

  // An admitted event from an outside sender takes a token of its channel's
  // rate limit; *a refused (kRateLimited) when there is none.
  bool over_rate(Admission* a);

  IncomingEvent incoming(const Admission& a, const krl::Value& attrs, std::string eid = "") {
    return IncomingEvent{
        a.eci,    eid.empty() ? new_id() : std::move(eid),         a.first,
        a.second, attrs.is_map() ? attrs : krl::Value(krl::Map()), clock->now_ms()};
  }

  // kUnavailable when the pico or the ECI's slot is sealed for a move, or
  // the ECI belongs to another node of the cluster (a scheduled event of a
  // slot that moved away, or of one imported but not yet flipped): tried
  // again later.
  Status slot_closed(const std::string& eci, const std::string& pico_id) const;

  // Queues an event (admission first); ok, or why it was refused. `done` may be empty.
  // `from_pico_id`: the sending pico for event:send / ctx:event, the scheduling pico for its
  // scheduled events (empty for HTTP). `local`: an event:send's local delivery record.
  Status signal(const api::EventRequest& req, Done<api::EventResult> done, std::string eid = "",
                std::optional<ScheduleFiring> firing = std::nullopt,
                std::string_view from_pico_id = {}, LocalRecord local = {});

  // event:send / ctx:event to a pico of this engine, after its sender committed (or, `replayed`,
  // its record found at a start). A refusal for good erases its record; one for later (full
  // inbox, stopping) leaves it for the next start (records/local_delivery_records.h).
  void deliver_local(const OutgoingEvent& e, bool replayed = false);

  // At a start, before anything else submits: the events owed to picos of this engine when the
  // last run ended (a crash, or kept for later), posted again in sending order; local delivery
  // records are numbered on from above them.
  void replay_local();
};

}  // namespace spime::runtime
