#include "engine/runtime/engine.h"
#include "engine/base/thread_annotations.h"
#include "engine/runtime/engine_impl.h"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "engine/cluster/membership.h"
#include "engine/cluster/slot_table.h"
#include "engine/krl/ascii.h"
#include "engine/logging/log.h"
#include "engine/runtime/admission/admission.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/backup/backup.h"
#include "engine/runtime/boot/bootstrap.h"
#include "engine/runtime/boot/schema_upgrade.h"
#include "engine/runtime/caf_spawn.h"
#include "engine/runtime/channel/rate_limiter.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/logs/pico_log.h"
#include "engine/runtime/metrics/metrics.h"
#include "engine/runtime/metrics/readings.h"
#include "engine/runtime/outbound/outbox.h"
#include "engine/runtime/pico/pico_actor.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/runtime/pico/post_commit.h"
#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/records/delivery_records.h"
#include "engine/runtime/records/device_topic_records.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/local_delivery_records.h"
#include "engine/runtime/records/mqtt_sequence_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/engine_services.h"
#include "engine/runtime/streams/collection_members.h"
#include "engine/runtime/streams/watch_hub.h"
#include "engine/runtime/timers/schedule_timer.h"
#include "engine/store/committer.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Done;
using api::Result;
using api::Status;

namespace {

constexpr const char* kVersion = SPIME_VERSION;  // CMake: project(VERSION)
// How long /api/clock waits for the schedule timer's scan.
constexpr std::chrono::milliseconds kClockFireLimit{5000};

class LocalDelivery final : public CommitObserver {
 public:
  explicit LocalDelivery(EngineImpl& m) : m_(m) {}
  void committed(std::vector<OutgoingEvent>& events) override {
    for (const OutgoingEvent& e : events) {
      if (e.host.empty() && e.mqtt_topic.empty()) m_.deliver_local(e);
    }
  }

 private:
  EngineImpl& m_;
};

// mqtt:publish: handed to the MQTT bridge, if one is set (best effort: a
// crash between the commit and this call loses the message).
class MqttPublications final : public CommitObserver {
 public:
  explicit MqttPublications(EngineImpl& m) : m_(m) {}
  void committed(std::vector<OutgoingEvent>& events) override {
    for (const OutgoingEvent& e : events) {
      if (e.mqtt_topic.empty()) continue;
      MqttPublisher publish;
      {
        MutexLock lock(m_.mqtt_mu);
        publish = m_.mqtt_publisher;
      }
      if (publish) {
        publish(e.mqtt_topic, e.attrs.is_string() ? e.attrs.as_string() : std::string(),
                e.mqtt_retain);
      }
    }
  }

 private:
  EngineImpl& m_;
};

// Events for other engines: their records are durable now, delivery starts.
class RemoteDelivery final : public CommitObserver {
 public:
  explicit RemoteDelivery(EngineImpl& m) : m_(m) {}
  void committed(std::vector<OutgoingEvent>& events) override {
    if (m_.outbox) m_.outbox->committed(events);
  }

 private:
  EngineImpl& m_;
};

}  // namespace

// ---- Engine ------------------------------------------------------------------

Engine::Engine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  shutdown();
}

const char* Engine::version() {
  return kVersion;
}
const std::string& Engine::engine_id() const {
  return impl_->engine_id;
}

const std::string& Engine::owner_eci() const {
  return impl_->owner_eci;
}
const std::string& Engine::ui_eci() const {
  return impl_->ui_eci;
}
void Engine::set_host_url(std::string url) {
  impl_->services->set_host_url(std::move(url));
}
const std::string& Engine::root_pico_id() const {
  return impl_->root_pico_id;
}
size_t Engine::active_picos() const {
  return impl_->picos->size();
}

std::optional<std::string> Engine::storage_failure() const {
  std::string error = impl_->store->committer().fatal_error();
  if (error.empty()) error = impl_->store->read_failure();
  if (error.empty()) return std::nullopt;
  return error;
}

std::unique_ptr<Engine> Engine::open(const EngineOptions& options, std::string* error_out) {
  auto impl = std::make_unique<EngineImpl>();
  EngineImpl* m = impl.get();
  m->options = options;
  m->clock = options.clock ? std::shared_ptr<const Clock>(options.clock) : wall_clock();
  m->manual = dynamic_cast<ManualClock*>(options.clock.get());
  if (options.metrics) m->metrics = std::make_unique<Metrics>();
  store::Store::Options so;
  if (Metrics* metrics = m->metrics.get()) {
    so.on_commit_group = [metrics](size_t batches, std::chrono::nanoseconds took) {
      metrics->commit_group(batches, took);
    };
  }
  so.sync_commits = options.sync_commits;
  so.max_pending_batches = options.max_pending_commits;
  so.block_cache_bytes = options.block_cache_bytes;
  so.rocksdb_options = options.rocksdb_options;
  so.verify_checksums = options.verify_store;
  so.min_free_bytes = options.min_free_bytes;
  m->store = store::Store::open(options.data_dir, so, error_out);
  if (!m->store) return nullptr;
  if (!upgrade_schema(*m->store, error_out)) return nullptr;
  m->registry = std::make_unique<RulesetRegistry>(m->store.get(), m->clock);
  SourcePolicy sources;
  sources.confined = options.confine_ruleset_files;
  sources.roots = options.ruleset_roots;
  if (!options.rulesets_dir.empty()) sources.roots.push_back(options.rulesets_dir);
  m->registry->set_source_policy(std::move(sources));
  for (const std::string& e : m->registry->load_from_store()) m->log(e);
  if (!options.rulesets_dir.empty()) {
    for (const std::string& e : m->registry->load_directory(options.rulesets_dir)) m->log(e);
  }
  m->prototypes = std::make_unique<PrototypeCatalog>(options.prototypes_dir);
  for (const PrototypeError& e : m->prototypes->load_directory(*m->registry)) {
    m->log("prototype error: " + e.to_string());
  }
  BootstrapResult boot;
  if (!bootstrap(
          *m->store, *m->registry, [m](const std::string& l) { m->log(l); }, &boot, error_out)) {
    return nullptr;
  }
  m->root_pico_id = boot.root_pico_id;
  m->owner_eci = boot.owner_eci;
  m->ui_eci = boot.ui_eci;

  Outbox::Options outbox_options;
  outbox_options.capacity = options.outbox_capacity;
  outbox_options.max_retry = options.outbox_max_retry;
  outbox_options.timeout = options.outbox_timeout;
  outbox_options.clock = m->clock;
  // Who this engine is to the engines its outbox posts to (made once).
  std::string engine_id = outbox_records::engine_id(*m->store, error_out);
  if (engine_id.empty()) return nullptr;
  m->engine_id = engine_id;
  m->outbox = std::make_unique<Outbox>(
      *m->store, outbox_options, [m](const std::string& line) { m->log(line); }, engine_id);

  m->caf_config = std::make_unique<caf::actor_system_config>();
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  m->caf_config->set("scheduler.max-threads", threads);
  if (options.quick_idle_workers) {
    // Each of the moderate phase's 50 us sleeps costs a timer and a wake-up,
    // which on a small VM took more CPU than it saved (BENCHMARKS.md).
    m->caf_config->set("work-stealing.aggressive-poll-attempts", size_t{10});
    m->caf_config->set("work-stealing.moderate-poll-attempts", size_t{0});
  }
  {
    // Building the system makes this thread hold its logger, as a spawn does
    // (caf_spawn.h): given back, so that a ReopeningEngine may destroy this
    // engine from another thread while this one lives on.
    const bool held_logger = caf::logger::current_logger() != nullptr;
    m->system = std::make_unique<caf::actor_system>(*m->caf_config);
    if (!held_logger) caf::logger::set_current_actor_system(nullptr);
  }

  m->services = std::make_unique<EngineServices>(*m->store, *m->registry, m->channels, m->clock);
  m->services->set_budgets(options.event_budget, options.query_budget);
  m->services->set_max_scheduled_events(options.max_scheduled_events);
  if (options.channel_rate > 0) {
    m->default_rate.per_second = std::min(options.channel_rate, kMaxRate);
    m->default_rate.burst = options.channel_burst >= 1 ? std::min(options.channel_burst, kMaxRate)
                                                       : std::max(1.0, m->default_rate.per_second);
  }
  m->rate_limiter = std::make_unique<RateLimiter>(
      RateLimiter::Options{m->default_rate, options.max_rate_buckets});
  m->services->set_engine_config(EngineConfig{options.strict_subscription_policies});
  m->services->set_prototypes(m->prototypes.get());
  m->picos = std::make_unique<PicoTable>(
      options.max_active_picos,
      [m](const std::shared_ptr<PicoSlot>&) { return spawn_pico_executor(*m->system, *m->actors); },
      [m] { return m->store->committer().durable_seq(); });
  m->hub =
      std::make_shared<WatchHub>(WatchHub::Options{options.max_watchers, options.watcher_buffer});
  m->episodes.enabled = options.pico_logs;
  m->episodes.max_count = options.pico_log_max_count;
  m->episodes.max_age_ms = options.pico_log_max_age.count();
  m->actors = std::make_unique<PicoActors>(
      PicoRuntime{*m->store, *m->registry, *m->services, m->channels, *m->picos, m->post_commit,
                  options.pico_queue_limit, [m](const std::string& l) { m->log(l); },
                  m->outbox.get(), m->episodes, m->hub.get()},
      IoPool::Options{options.io_threads, options.http_timeout, options.http_max_response_bytes});
  m->services->set_actors(m->actors.get());
  m->services->set_seals(&m->seals);
  m->moves = std::make_unique<SlotMoves>(
      SlotMoves::Parts{*m->store, *m->picos, m->channels, *m->registry, m->seals,
                       [m](const std::string& l) { m->log(l); }});

  m->observers.push_back(std::make_unique<LocalDelivery>(*m));
  m->observers.push_back(std::make_unique<RemoteDelivery>(*m));
  m->observers.push_back(std::make_unique<MqttPublications>(*m));
  for (const auto& o : m->observers) m->post_commit.add(o.get());
  m->replay_local();

  m->timer = std::make_unique<ScheduleTimer>(
      *m->store, m->clock,
      [m](api::EventRequest req, const ScheduleFiring& firing) {
        logging::Scope scope(firing.pico_id);
        auto completion = m->track<api::EventResult>(nullptr, &Metrics::event_finished);
        Status s = m->signal(req, completion, "", firing, firing.pico_id);
        if (!s.is_ok()) {
          m->log("scheduled event " + firing.id +
                 " refused: " + logging::shorten_eci_in(s.message(), req.eci));
        }
        return s;
      },
      [m](const std::string& line) { m->log(line); }, m->metrics.get());

  // As the reference at every start: the root hears engine:started on its UI
  // channel (the subscription ruleset makes the root's well-known channel then).
  if (!m->ui_eci.empty()) {
    auto completion = m->track<api::EventResult>(nullptr, &Metrics::event_finished);
    Status s = m->signal(api::EventRequest{m->ui_eci, "engine", "started", krl::Value(krl::Map())},
                         completion);
    if (!s.is_ok()) m->log("engine:started refused: " + s.message());
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::request_stop() {
  EngineImpl& m = *impl_;
  MutexLock lock(m.stop_mu);
  if (m.stop_requested) return;
  m.stop_requested = true;
  m.interrupt_at = std::chrono::steady_clock::now() + kStopGrace;
  m.stop_watchdog = std::thread([&m] {
    UniqueMutexLock wait(m.stop_mu);
    if (m.stop_cv.wait_until(wait.native(), m.interrupt_at, [&m] {
          m.stop_mu.assert_held();
          return m.stop_finished;
        }))
      return;
    wait.unlock();
    m.interrupt_running();
  });
}

void Engine::shutdown() {
  EngineImpl& m = *impl_;
  if (m.stopping.exchange(true)) return;
  // Watchers end first: their connections close while the rest stops.
  m.hub->close_all();
  request_stop();
  if (m.timer) m.timer->stop();
  m.moves->stop();
  {
    // Every admitted request gets its answer: schedules run (or are
    // interrupted at interrupt_at), commits land.
    std::chrono::steady_clock::time_point give_up;
    {
      MutexLock lock(m.stop_mu);
      give_up = m.interrupt_at + kInterruptGrace;
    }
    UniqueMutexLock lock(m.drain_mu);
    if (!m.drained.wait_until(lock.native(), give_up, [&] {
          m.drain_mu.assert_held();
          return m.in_flight == 0;
        })) {
      m.log("shutdown: " + std::to_string(m.in_flight) +
            " request(s) did not end in time (a blocking call?): stopping without their answers");
    }
  }
  {
    MutexLock lock(m.stop_mu);
    m.stop_finished = true;
  }
  m.stop_cv.notify_all();
  if (m.stop_watchdog.joinable()) m.stop_watchdog.join();
  // The I/O pool's threads next: their drains use the actors and the store,
  // and they must be gone before the actor system (a thread of ours alive
  // at ~actor_system that ever spawned an actor kept CAF's logger, and the
  // destructor waited for it forever: spawn_pico_executor now gives it back
  // at once, and no thread of ours outlives the system). A drain still in a
  // blocking call ends with that call's timeout.
  m.actors->stop_io();
  // Stop the actors: the actor system's destructor waits for every one.
  for (const auto& slot : m.picos->take_all()) slot->executor.stop();
  m.system->await_all_actors_done();
  // The POSTs in flight finish and their deletes reach the committer, which
  // the store drains below: no accepted event stays in the outbox. What still
  // waits is in the store for the next start.
  m.outbox->stop();
  {
    store::Committer::Stats st = m.store->committer().stats();
    char line[200];
    std::snprintf(line, sizeof line,
                  "commits: %llu batches in %llu groups (average group %.1f, %llu fsyncs, "
                  "%llu refused)",
                  static_cast<unsigned long long>(st.batches),
                  static_cast<unsigned long long>(st.groups), st.average_group_size(),
                  static_cast<unsigned long long>(st.fsyncs),
                  static_cast<unsigned long long>(st.refused));
    m.log(line);
  }
  // Close the store (its committer thread drains and exits) before the actor
  // system: CAF's destructor waits until every thread that ever spawned an
  // actor has released its thread-local logger, and the committer thread
  // spawns pico executors when it delivers event:send messages.
  m.store.reset();
  // After the committer, which hands it events.
  if (m.outbox->size() > 0) {
    m.log("outbox: " + std::to_string(m.outbox->size()) +
          " event(s) for other engines wait for the next start");
  }
  m.outbox.reset();
  m.system.reset();
}

void Engine::event_wait(api::EventRequest event, Done<api::EventResult> done) {
  impl_->signal(event, impl_->track(std::move(done), &Metrics::event_finished));
}

void Engine::event(api::EventRequest event, Done<std::string> done) {
  auto tracked = impl_->track(std::move(done));
  std::string eid = new_id();
  // The event runs to completion even though nobody waits for its answer;
  // shutdown still waits for it through the tracked completion.
  auto completion = impl_->track<api::EventResult>(nullptr, &Metrics::event_finished);
  Status s = impl_->signal(event, completion, eid);
  if (s.is_ok()) {
    tracked(eid);
  } else {
    completion(s);
    tracked(s);
  }
}

void Engine::event_query(api::EventRequest event, api::QueryRequest query, Done<krl::Value> done) {
  EngineImpl& m = *impl_;
  auto tracked = m.track(std::move(done), &Metrics::event_finished);
  if (m.stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  if (krl::trim_ascii(query.eci) != krl::trim_ascii(event.eci)) {
    return tracked(Status::invalid_argument("eventQuery must use the same channel"));
  }
  Admission q = admit_query(m.channels, *m.store, query);
  if (!q.status.is_ok()) return m.refuse(q, tracked);
  Admission e = admit_event(m.channels, *m.store, event);
  if (e.status.is_ok()) m.over_rate(&e);
  if (!e.status.is_ok()) return m.refuse(e, tracked);
  std::shared_ptr<PicoSlot> target = m.picos->acquire(e.channel->pico_id);
  if (Status closed = m.slot_closed(e.eci, e.channel->pico_id); !closed.is_ok()) {
    e.status = closed;
    return m.refuse(e, tracked);
  }
  QueryCall call{q.eci, q.first, q.second, query.args.is_map() ? query.args.as_map() : krl::Map()};
  RunEvent msg{m.incoming(e, event.attrs), std::max(e.depends_on, q.depends_on), nullptr,
               std::move(call), tracked};
  Status posted = m.actors->post(std::move(target), std::move(msg));
  if (!posted.is_ok()) tracked(posted);
}

void Engine::query(api::QueryRequest query, Done<krl::Value> done) {
  EngineImpl& m = *impl_;
  auto tracked = m.track(std::move(done), &Metrics::query_finished);
  if (m.stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  Admission a = admit_query(m.channels, *m.store, query);
  if (!a.status.is_ok()) return m.refuse(a, tracked);
  RunQuery msg{
      QueryCall{a.eci, a.first, a.second, query.args.is_map() ? query.args.as_map() : krl::Map()},
      a.depends_on, tracked, false, nullptr};
  Status posted = m.actors->post(m.picos->acquire(a.channel->pico_id), std::move(msg));
  if (!posted.is_ok()) tracked(posted);
}

void Engine::flush(std::string eci, std::string url, Done<krl::Value> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  EngineImpl* m = impl_.get();
  // The owner's alone, and only what is registered: an open door to read
  // files or fetch urls otherwise.
  if (eci.empty() || eci != m->owner_eci) {
    return tracked(Status::permission_denied("/api/flush needs the owner's eci"));
  }
  if (!m->registry->known_url(url)) {
    return tracked(Status::not_found("Not a registered ruleset url: " + url));
  }
  // Reading and compiling may take a while: off the caller's (I/O) thread.
  spawn_from_any_thread(*m->system,
                        [m, url = std::move(url), tracked](caf::event_based_actor* self) {
                          RulesetRegistry::Result r = m->registry->flush(url);
                          self->quit();
                          if (!r.ruleset) return tracked(Status::invalid_argument(r.error));
                          tracked(krl::Value(registration_value(*r.ruleset)));
                        });
}

void Engine::prototypes(Done<krl::Value> done) {
  done(impl_->prototypes->values());
}

void Engine::ruleset_errors(Done<krl::Value> done) {
  krl::Array out;
  for (const RulesetRegistry::LoadError& e : impl_->registry->load_errors()) {
    out.emplace_back(krl::Map{
        {"rid", krl::Value(e.rid)}, {"url", krl::Value(e.url)}, {"error", krl::Value(e.error)}});
  }
  done(krl::Value(std::move(out)));
}

void Engine::prototype(std::string name, Done<krl::Value> done) {
  std::optional<krl::Value> v = impl_->prototypes->value(name);
  if (!v) return done(Status::not_found("unknown prototype " + name));
  done(std::move(*v));
}

void Engine::check_prototype(api::PrototypeCheck check, Done<std::vector<std::string>> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  EngineImpl* m = impl_.get();
  // Reading schema files and compiling rulesets may take a while: off the
  // caller's (I/O) thread.
  spawn_from_any_thread(
      *m->system, [m, check = std::move(check), tracked](caf::event_based_actor* self) {
        std::vector<std::string> names;
        PrototypeError error;
        const bool ok = m->prototypes->check(check.file, check.yaml, *m->registry, &names, &error);
        self->quit();
        if (!ok) return tracked(Status::invalid_argument(error.to_string()));
        tracked(std::move(names));
      });
}

void Engine::device_topic(std::string topic, Done<api::DeviceRoute> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  // One point read, as admission reads a channel on the caller's thread.
  std::string text;
  DeviceTopic t;
  if (!impl_->store->get(store::keys::device_topic(topic), &text) ||
      !decode_device_topic(text, &t)) {
    return tracked(Status::not_found("no device publishes to " + topic));
  }
  tracked(api::DeviceRoute{std::move(t.eci), std::move(t.domain), std::move(t.type)});
}

void Engine::clock(api::ClockRequest request, Done<std::int64_t> done) {
  auto tracked = impl_->track(std::move(done));
  EngineImpl* m = impl_.get();
  if (!m->manual) return tracked(Status::not_found("this engine's clock cannot be driven"));
  if (m->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  if (request.eci.empty() || request.eci != m->owner_eci) {
    return tracked(Status::permission_denied("/api/clock needs the owner's eci"));
  }
  if (request.advance_ms.has_value() == request.set_ms.has_value()) {
    return tracked(Status::invalid_argument("/api/clock needs one of advance or set"));
  }
  if (request.set_ms) {
    m->manual->set(*request.set_ms);
  } else {
    m->manual->advance(*request.advance_ms);
  }
  // The timer's scan reads the store and queues events: off the caller's
  // (I/O) thread. Bounded: a timer that does not answer in time is reported.
  spawn_from_any_thread(*m->system, [m, tracked](caf::event_based_actor* self) {
    bool fired = m->timer->fire_due_now(kClockFireLimit);
    self->quit();
    if (!fired) return tracked(Status::unavailable("the schedule timer did not answer in time"));
    tracked(m->clock->now_ms());
  });
}

namespace {

// A watched collection's members on this engine (streams/collection_members.h), read by its
// members() on its own FIFO, so that the hub has them in the pico's order; a pico that is no
// collection answers not-found and nothing is followed.
void follow_members(EngineImpl& m, const ChannelRecord& channel) {
  std::string pico_id = channel.pico_id;
  EngineImpl* engine = &m;
  RunQuery q{QueryCall{channel.eci, std::string(kCollectionRid), std::string(kMembersName), {}}, 0,
             nullptr,
             /*internal=*/true, [engine, pico_id](const Result<krl::Value>& members) {
               if (!members.ok()) return;
               engine->hub->set_members(
                   pico_id, local_member_picos(engine->channels, *engine->store, members.value()));
             }};
  Status posted = m.actors->post(m.picos->acquire(pico_id), std::move(q));
  if (!posted.is_ok())
    m.log("stream of pico " + pico_id + ": members not followed: " + posted.message());
}

}  // namespace

void Engine::watch(api::WatchRequest request, std::shared_ptr<api::WatchSink> sink,
                   Done<std::shared_ptr<api::Watch>> done) {
  EngineImpl* m = impl_.get();
  if (m->stopping.load()) return done(Status::unavailable("engine shutting down"));
  // Whoever may read the pico's logs may watch its events (engine_api.h).
  Admission a = admit_query(
      m->channels, *m->store,
      api::QueryRequest{request.eci, std::string(kEngineUiRid), "logs", krl::Value(krl::Map())});
  if (!a.status.is_ok()) return m->refuse(a, done);
  Watcher::Filter filter{request.domain, request.type, a.channel->event_policy};
  auto added =
      m->hub->add(a.channel->pico_id, std::move(filter), std::move(sink), request.last_event_id);
  if (!added.ok()) return done(added.status());
  std::shared_ptr<Watcher> w = added.value();
  // Before the answer: a request the client sends once its stream is open runs after it.
  follow_members(*m, *a.channel);
  done(std::shared_ptr<api::Watch>(w));
  if (!request.last_event_id) return;
  // The kept episodes after the client's last one: a range read, off the caller's (I/O) thread.
  const std::uint64_t after = *request.last_event_id;
  spawn_from_any_thread(*m->system, [m, w, after](caf::event_based_actor* self) {
    const std::int64_t oldest = m->clock->now_ms() - m->episodes.max_age_ms;
    std::vector<std::pair<std::uint64_t, EpisodeEvent>> kept;
    for (StoredEpisode& e : read_episodes(*m->store, w->pico_id(), after,
                                          m->episodes.max_count + kMaxDropsPerAppend, oldest)) {
      EpisodeEvent ev;
      if (episode_event(e.value, &ev)) kept.emplace_back(e.seq, std::move(ev));
    }
    m->hub->replayed(*w, kept);
    self->quit();
  });
}

void Engine::hold_commits(bool hold) {
  if (hold) {
    impl_->store->committer().pause();
  } else {
    impl_->store->committer().resume();
  }
}

size_t Engine::watchers() const {
  return impl_->hub->size();
}

std::uint64_t Engine::dropped_watchers() const {
  return impl_->hub->dropped();
}

void Engine::ui_context(Done<api::UiContext> done) {
  // The root's UI channel, as the reference; the owner's channel when there is none.
  done(api::UiContext{kVersion, impl_->ui_eci.empty() ? impl_->owner_eci : impl_->ui_eci});
}

void Engine::outbox(Done<api::OutboxStatus> done) {
  EngineImpl& m = *impl_;
  if (m.stopping.load() || !m.outbox) return done(Status::unavailable("engine shutting down"));
  done(m.outbox->status());
}

void Engine::metrics(Done<std::string> done) {
  EngineImpl* m = impl_.get();
  if (!m->metrics) return done(Status::unavailable("metrics are off (spime serve --no-metrics)"));
  auto tracked = m->track(std::move(done));
  if (m->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  // A pass over the active picos and the outbox, under their locks: off the
  // caller's (I/O) thread.
  spawn_from_any_thread(*m->system, [m, tracked](caf::event_based_actor* self) {
    self->quit();
    Readings r = read_readings(*m->picos, *m->store, m->outbox.get());
    r.stream_watchers = m->hub->size();
    r.stream_watchers_dropped = m->hub->dropped();
    tracked(m->metrics->text(r));
  });
}

void Engine::http_replied(int status) {
  if (impl_->metrics) impl_->metrics->http_replied(status);
}

void Engine::set_mqtt_publisher(MqttPublisher publisher) {
  MutexLock lock(impl_->mqtt_mu);
  impl_->mqtt_publisher = std::move(publisher);
}

void Engine::mqtt_handled(api::Status::Code outcome) {
  if (impl_->metrics) impl_->metrics->mqtt_handled(outcome);
}

// ---- online backup and the MQTT bridge's checkpoints (runtime/backup/backup.h,
// runtime/records/mqtt_sequence_records.h) -----------------------------------------

void Engine::backup(api::BackupRequest request, Done<api::BackupResult> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  start_backup(*impl_->store, std::move(request), std::move(tracked));
}

void Engine::mqtt_sequence(std::string sender, Done<std::uint64_t> done) {
  if (impl_->stopping.load()) return done(Status::unavailable("engine shutting down"));
  read_mqtt_sequence(*impl_->store, sender, std::move(done));
}

void Engine::save_mqtt_sequence(std::string sender, std::uint64_t value, Done<std::uint64_t> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(Status::unavailable("engine shutting down"));
  runtime::save_mqtt_sequence(*impl_->store, sender, value, std::move(tracked));
}

}  // namespace spime::runtime
