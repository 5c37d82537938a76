#include "engine/runtime/engine.h"

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "engine/runtime/channel/channel_cache.h"
#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/ids.h"
#include "engine/runtime/local_services.h"
#include "engine/runtime/outbound/remote_events.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/records.h"
#include "engine/runtime/ruleset_registry.h"
#include "engine/runtime/timers/schedule_timer.h"
#include "engine/store/committer.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

// Work for one pico's actor: run on the actor's thread, one at a time.
struct PicoTask {
  std::function<void()> run;
};
using PicoTaskPtr = std::shared_ptr<PicoTask>;

}  // namespace spime::runtime

// Tasks carry closures and never leave this process: no serialisation needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(spime::runtime::PicoTaskPtr)

namespace spime::runtime {
namespace {

using channels::Done;
using channels::EngineError;

constexpr const char* kVersion = SPIME_VERSION;  // CMake: project(VERSION)
const char* kWranglerRid = "io.picolabs.wrangler";

EngineError error(int status, std::string message) {
  return EngineError{status, "Error: " + std::move(message)};
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

// One pico as the engine hosts it: its actor, its admission counter and, on
// the actor's thread only, its in-memory state.
struct PicoSlot {
  std::string id;
  caf::actor actor;
  std::list<std::string>::iterator lru_position;  // under EngineImpl::picos_mu
  std::atomic<size_t> queued{0};                  // admitted tasks not yet started
  std::atomic<size_t> commits_in_flight{0};
  std::atomic<bool> stale{false};  // a commit failed: reload the state
  // Held while the pico runs anything: by its actor for each task, and by
  // another pico's actor that runs a ctx:eventWait/eventQuery here inline.
  std::timed_mutex run_mu;
  // Under run_mu only.
  std::unique_ptr<PicoState> state;
  std::uint64_t ruleset_generation = 0;
};

class EngineImpl {
 public:
  EngineOptions options;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
  std::unique_ptr<LocalServices> services;
  std::unique_ptr<caf::actor_system_config> caf_config;
  std::unique_ptr<caf::actor_system> system;
  std::string root_pico_id, owner_eci;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> ruleset_generation{1};

  // Requests admitted and not yet answered; shutdown waits for zero.
  std::mutex drain_mu;
  std::condition_variable drained;
  size_t in_flight = 0;

  std::mutex picos_mu;
  std::unordered_map<std::string, std::shared_ptr<PicoSlot>> picos;
  std::list<std::string> recently_used;  // pico ids, most recent first

  // Committed channels by ECI (EngineServices::channel fills it).
  ChannelCache channel_cache;

  // event:send to other engines (a host given): POSTed off our threads.
  std::unique_ptr<RemoteEventSender> remote;

  // Sends `schedule ... at/repeat` events when due.
  std::unique_ptr<ScheduleTimer> timer;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // ---- admission -----------------------------------------------------------

  // Wraps `done` so that shutdown can wait for every admitted request.
  template <class T>
  Done<T> track(Done<T> done) {
    {
      std::lock_guard<std::mutex> lock(drain_mu);
      ++in_flight;
    }
    auto once = std::make_shared<std::atomic<bool>>(false);
    return [this, done = std::move(done), once](channels::Result<T> r) {
      if (once->exchange(true)) return;
      done(std::move(r));
      std::lock_guard<std::mutex> lock(drain_mu);
      if (--in_flight == 0) drained.notify_all();
    };
  }

  std::optional<ChannelRecord> lookup_channel(const std::string& eci) {
    if (!is_valid_id(eci)) return std::nullopt;
    return services->channel(eci);
  }

  std::shared_ptr<PicoSlot> slot_for(const std::string& pico_id) {
    std::vector<std::shared_ptr<PicoSlot>> evicted;  // destroyed after the lock
    std::lock_guard<std::mutex> lock(picos_mu);
    auto it = picos.find(pico_id);
    if (it != picos.end()) {
      recently_used.splice(recently_used.begin(), recently_used, it->second->lru_position);
      return it->second;
    }
    auto slot = std::make_shared<PicoSlot>();
    slot->id = pico_id;
    slot->actor = system->spawn([](caf::event_based_actor*) -> caf::behavior {
      return {[](const PicoTaskPtr& task) { task->run(); }};
    });
    recently_used.push_front(pico_id);
    slot->lru_position = recently_used.begin();
    picos.emplace(pico_id, slot);
    evict_idle_locked(&evicted);
    return slot;
  }

  // Under picos_mu: evicts least recently used idle picos while more than
  // max_active_picos are active. Idle: no one but the table holds the slot
  // (every task, commit callback and inline eventWait holds a reference, and
  // new references are only handed out under picos_mu), so nothing is queued,
  // running or being committed for it. Looks at a bounded number of
  // candidates per call: busy picos may keep the table over the limit for a
  // while, never unboundedly (each holds an admitted request).
  void evict_idle_locked(std::vector<std::shared_ptr<PicoSlot>>* evicted) {
    constexpr int kCandidates = 8;
    auto pos = recently_used.end();
    for (int looked = 0; picos.size() > options.max_active_picos && looked < kCandidates &&
                         pos != recently_used.begin();
         ++looked) {
      --pos;
      auto it = picos.find(*pos);
      if (it == picos.end() || it->second.use_count() != 1) continue;
      std::shared_ptr<PicoSlot> slot = std::move(it->second);
      picos.erase(it);
      pos = recently_used.erase(pos);
      caf::anon_send_exit(slot->actor, caf::exit_reason::user_shutdown);
      slot->actor = caf::actor();
      evicted->push_back(std::move(slot));
    }
  }

  // Queues `run` on the pico's actor unless its queue is full. False: refused.
  bool enqueue(const std::shared_ptr<PicoSlot>& slot, std::function<void()> run) {
    if (slot->queued.fetch_add(1) >= options.pico_queue_limit) {
      slot->queued.fetch_sub(1);
      return false;
    }
    auto task = std::make_shared<PicoTask>();
    task->run = [slot, run = std::move(run)] {
      slot->queued.fetch_sub(1);
      std::lock_guard<std::timed_mutex> lock(slot->run_mu);
      run();
    };
    caf::anon_send(slot->actor, task);
    return true;
  }

  // ---- under the pico's run_mu (on its actor, or inline for eventWait) -------

  // The pico's state, loaded (or reloaded) as needed. nullptr + *err.
  PicoState* state_of(PicoSlot& slot, std::string* err) {
    if (slot.stale.exchange(false)) slot.state.reset();
    std::uint64_t generation = ruleset_generation.load();
    if (slot.state && slot.ruleset_generation != generation) {
      refresh_instances(slot);
      slot.ruleset_generation = generation;
    }
    if (!slot.state) {
      slot.state = PicoState::load(*store, *services, slot.id, err);
      slot.ruleset_generation = generation;
    }
    return slot.state.get();
  }

  // A ruleset was flushed: installations of an older version get a new
  // instance of the registered one (entity variables are untouched).
  void refresh_instances(PicoSlot& slot) {
    for (const Installation& inst : std::vector<Installation>(slot.state->installations())) {
      auto current = registry->get(inst.rid);
      if (!current || current == inst.ruleset) continue;
      std::string err;
      if (!slot.state->install(current, inst.record, *services, &err)) {
        log("pico " + slot.id + ": keeping the old " + inst.rid + ": " + err);
      }
    }
  }

  struct EventJob {
    IncomingEvent event;
    Done<channels::EventResult> done;  // null: fire and forget
  };

  void run_event_job(const std::shared_ptr<PicoSlot>& slot, EventJob& job) {
    std::string err;
    PicoState* state = state_of(*slot, &err);
    if (!state) {
      if (job.done) job.done(error(500, err));
      return;
    }
    EventOutcome out = run_event(*state, job.event, *services);
    if (!out.ok) {
      if (job.done) job.done(EngineError{out.status, "Error: " + out.error});
      return;
    }
    channels::EventResult result{job.event.eid, krl::Value(std::move(out.directives))};
    if (out.batch.empty() && slot->commits_in_flight.load() == 0) {
      // Nothing to make durable, nothing earlier of this pico still pending.
      if (job.done) job.done(std::move(result));
      deliver(std::move(out.outgoing));
      return;
    }
    const bool changes_channels = touches_channels(out.batch);
    slot->commits_in_flight.fetch_add(1);
    auto outgoing = std::make_shared<std::vector<OutgoingEvent>>(std::move(out.outgoing));
    auto reply = std::make_shared<channels::EventResult>(std::move(result));
    Done<channels::EventResult> done = job.done;
    bool submitted = store->committer().try_submit(
        std::move(out.batch),
        [this, slot, done, reply, outgoing, changes_channels](bool ok, const std::string& e) {
          slot->commits_in_flight.fetch_sub(1);
          // Before anyone hears of the commit: no later request sees the old channel.
          if (ok && changes_channels) channel_cache.invalidate();
          if (!ok) {
            slot->stale.store(true);
            log("pico " + slot->id + ": commit failed: " + e);
            if (done) done(error(500, "commit failed: " + e));
            return;
          }
          if (done) done(std::move(*reply));
          deliver(std::move(*outgoing));
        });
    if (!submitted) {
      // The state already holds the schedule's writes: drop it so the next
      // task reloads what is committed.
      slot->commits_in_flight.fetch_sub(1);
      slot->state.reset();
      if (done) done(EngineError{503, "Error: engine overloaded, retry later"});
    }
  }

  static bool touches_channels(const store::WriteBatch& batch) {
    static const std::string prefix = store::keys::channel_prefix();
    for (const auto& op : batch.ops()) {
      if (op.key.compare(0, prefix.size(), prefix) == 0) return true;
    }
    return false;
  }

  // event:send after the commit: fire and forget, as the reference.
  void deliver(std::vector<OutgoingEvent> events) {
    for (OutgoingEvent& e : events) {
      if (!e.host.empty()) {
        RemoteEvent r{e.host, e.eci, e.domain, e.name,
                      krl::encode_json(e.attrs.is_map() ? e.attrs : krl::Value(krl::Map()))};
        if (!remote->submit(std::move(r))) {
          log("event:send to " + e.host + ": the outgoing queue is full; dropped");
        }
        continue;
      }
      channels::EventRequest req{e.eci, e.domain, e.name, e.attrs};
      signal(std::move(req), nullptr, [this, eci = e.eci](const EngineError& err) {
        log("event:send to " + eci + " refused: " + err.message);
      });
    }
  }

  // ---- requests ------------------------------------------------------------

  // Validates, checks the channel's event policy and queues the event on its
  // pico. On refusal calls `refused` (and never `done`).
  void signal(channels::EventRequest req, Done<channels::EventResult> done,
              const std::function<void(EngineError)>& refused, std::string eid = "") {
    if (stopping.load()) return refused(EngineError{503, "Error: engine shutting down"});
    if (blank(req.eci)) return refused(error(400, "missing event.eci"));
    if (blank(req.domain)) return refused(error(400, "missing event.domain"));
    if (blank(req.name)) return refused(error(400, "missing event.name"));
    if (!req.attrs.is_null() && !req.attrs.is_map()) {
      return refused(error(400, "Expected a JSON map for event.data.attrs"));
    }
    std::string eci = trim(req.eci);
    auto channel = lookup_channel(eci);
    if (!channel) return refused(error(404, "ECI not found " + eci));
    std::string domain = trim(req.domain), name = trim(req.name);
    if (auto denied = check_event(channel->event_policy, domain, name)) {
      return refused(error(403, *denied));
    }
    auto job = std::make_shared<EventJob>();
    job->event.eci = eci;
    job->event.eid = eid.empty() ? new_id() : std::move(eid);
    job->event.domain = std::move(domain);
    job->event.name = std::move(name);
    job->event.attrs = req.attrs.is_map() ? std::move(req.attrs) : krl::Value(krl::Map());
    job->event.time_ms = now_ms();
    job->done = std::move(done);
    auto slot = slot_for(channel->pico_id);
    if (!enqueue(slot, [this, slot, job] { run_event_job(slot, *job); })) {
      refused(EngineError{503, "Error: pico " + slot->id + " is busy, retry later"});
    }
  }

  void run_query_job(const std::shared_ptr<PicoSlot>& slot, const channels::QueryRequest& q,
                     const Done<krl::Value>& done) {
    std::string err;
    PicoState* state = state_of(*slot, &err);
    if (!state) return done(error(500, err));
    QueryOutcome out = run_query(*state, trim(q.eci), q.rid, q.name,
                                 q.args.is_map() ? q.args.as_map() : krl::Map(), *services);
    if (!out.ok) return done(EngineError{out.status, "Error: " + out.error});
    done(std::move(out.value));
  }

  // Validates and checks the query policy; the channel's pico or an error.
  std::optional<std::string> query_target(const channels::QueryRequest& q, EngineError* err) {
    if (stopping.load()) {
      *err = EngineError{503, "Error: engine shutting down"};
      return std::nullopt;
    }
    if (blank(q.eci))
      *err = error(400, "missing query.eci");
    else if (blank(q.rid))
      *err = error(400, "missing query.rid");
    else if (blank(q.name))
      *err = error(400, "missing query.name");
    else if (!q.args.is_null() && !q.args.is_map()) {
      *err = error(400, "Expected a JSON map for query.args");
    } else {
      std::string eci = trim(q.eci);
      auto channel = lookup_channel(eci);
      if (!channel) {
        *err = error(404, "ECI not found " + eci);
      } else if (auto denied = check_query(channel->query_policy, trim(q.rid), trim(q.name))) {
        *err = error(403, *denied);
      } else {
        return channel->pico_id;
      }
    }
    return std::nullopt;
  }

  void submit_query(const std::string& pico_id, channels::QueryRequest q, Done<krl::Value> done) {
    auto slot = slot_for(pico_id);
    auto query = std::make_shared<channels::QueryRequest>(std::move(q));
    auto d = std::make_shared<Done<krl::Value>>(done);
    if (!enqueue(slot, [this, slot, query, d] { run_query_job(slot, *query, *d); })) {
      done(EngineError{503, "Error: pico " + slot->id + " is busy, retry later"});
    }
  }
};

// ---- Services for the engine's picos ----------------------------------------

// LocalServices, with ctx:eventWait/eventQuery run on the target pico's
// in-memory state: the calling actor takes the target's run_mu (bounded
// wait, so two picos waiting for each other fail instead of hanging), runs
// the schedule and the query inline, and waits for the group commit.
class EngineServices : public LocalServices {
 public:
  explicit EngineServices(EngineImpl& m) : LocalServices(*m.store, *m.registry), m_(m) {}

  std::optional<ChannelRecord> channel(const std::string& eci) override {
    if (auto cached = m_.channel_cache.get(eci)) return *cached;
    std::uint64_t generation = m_.channel_cache.generation();
    auto c = LocalServices::channel(eci);
    if (c) m_.channel_cache.put(std::make_shared<const ChannelRecord>(*c), generation);
    return c;
  }

  WaitOutcome event_wait(const std::string& from_pico_id, const WaitedEvent& ev) override {
    constexpr auto kLockWait = std::chrono::seconds(5);
    constexpr auto kCommitWait = std::chrono::seconds(30);
    WaitOutcome out;
    auto c = check_wait(from_pico_id, ev, &out);
    if (!c) return out;
    if (m_.stopping.load()) return fail(&out, 503, "engine shutting down");
    auto slot = m_.slot_for(c->pico_id);
    std::unique_lock<std::timed_mutex> lock(slot->run_mu, std::defer_lock);
    if (!lock.try_lock_for(kLockWait)) {
      return fail(&out, 503, "pico " + slot->id + " stayed busy for 5 s");
    }
    auto answer = std::make_shared<std::promise<channels::Result<channels::EventResult>>>();
    std::shared_future<channels::Result<channels::EventResult>> answered = answer->get_future();
    EngineImpl::EventJob job{incoming(ev), [answer](channels::Result<channels::EventResult> r) {
                               answer->set_value(std::move(r));
                             }};
    out.eid = job.event.eid;
    m_.run_event_job(slot, job);
    // The event's writes are in the pico's state now (committed or on their
    // way): the query sees them, as the reference's query queued after it.
    bool refused = answered.wait_for(std::chrono::seconds(0)) == std::future_status::ready &&
                   !answered.get().ok();
    if (ev.with_query && !refused) {
      std::string err;
      PicoState* state = m_.state_of(*slot, &err);
      if (!state) return fail(&out, 500, err);
      QueryOutcome q = run_query(*state, ev.eci, ev.query_rid, ev.query_name, ev.query_args, *this);
      if (!q.ok) return fail(&out, q.status, q.error);
      out.query_value = std::move(q.value);
    }
    lock.unlock();
    if (answered.wait_for(kCommitWait) != std::future_status::ready) {
      return fail(&out, 503, "the event on pico " + slot->id + " was not committed within 30 s");
    }
    const channels::Result<channels::EventResult>& r = answered.get();
    if (!r.ok()) return fail(&out, r.error().status, without_prefix(r.error().message));
    out.directives =
        r.value().directives.is_array() ? r.value().directives.as_array() : krl::Array();
    out.ok = true;
    return out;
  }

 private:
  static std::string without_prefix(const std::string& message) {
    return message.rfind("Error: ", 0) == 0 ? message.substr(7) : message;
  }

  static WaitOutcome fail(WaitOutcome* out, int status, std::string message) {
    out->status = status;
    out->error = std::move(message);
    return std::move(*out);
  }

  EngineImpl& m_;
};

// ---- Engine ------------------------------------------------------------------

Engine::Engine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  shutdown();
}

const char* Engine::version() {
  return kVersion;
}
const std::string& Engine::owner_eci() const {
  return impl_->owner_eci;
}
const std::string& Engine::root_pico_id() const {
  return impl_->root_pico_id;
}
size_t Engine::active_picos() const {
  std::lock_guard<std::mutex> lock(impl_->picos_mu);
  return impl_->picos.size();
}

std::unique_ptr<Engine> Engine::open(const EngineOptions& options, std::string* error_out) {
  auto impl = std::make_unique<EngineImpl>();
  impl->options = options;
  store::Store::Options so;
  so.sync_commits = options.sync_commits;
  so.max_pending_batches = options.max_pending_commits;
  impl->store = store::Store::open(options.data_dir, so, error_out);
  if (!impl->store) return nullptr;
  impl->registry = std::make_unique<RulesetRegistry>(impl->store.get());
  for (const std::string& e : impl->registry->load_from_store()) impl->log(e);
  if (!options.rulesets_dir.empty()) {
    for (const std::string& e : impl->registry->load_directory(options.rulesets_dir)) {
      impl->log(e);
    }
  }
  impl->services = std::make_unique<EngineServices>(*impl);
  impl->root_pico_id = impl->services->ensure_root_pico(error_out);
  if (impl->root_pico_id.empty()) return nullptr;
  impl->owner_eci = impl->services->first_eci(impl->root_pico_id);
  if (impl->registry->get(kWranglerRid)) {
    std::string err;
    std::string install_key = store::keys::installation(impl->root_pico_id, kWranglerRid);
    std::string ignored;
    if (!impl->store->get(install_key, &ignored) &&
        !impl->services->install(impl->root_pico_id, kWranglerRid, krl::Map{}, &err)) {
      impl->log("could not install " + std::string(kWranglerRid) + " on the root pico: " + err);
    }
  }
  impl->caf_config = std::make_unique<caf::actor_system_config>();
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  impl->caf_config->set("scheduler.max-threads", threads);
  // Idle workers: spin briefly, then wait on their condition variable (an
  // enqueue wakes them). CAF's default polling keeps idle workers busy for
  // long stretches, and its "moderate" phase sleeps 50 us at a time: each of
  // those sleeps costs a timer and a wake-up, which on a small VM took more
  // CPU than it saved (BENCHMARKS.md: with the moderate phase off, 8
  // connections went from 3,507-4,632 to 4,961-5,340 heartbeats/s).
  // SPIME_CAF_POLL=default keeps CAF's settings.
  const char* poll = std::getenv("SPIME_CAF_POLL");
  if (!poll || std::string(poll) != "default") {
    impl->caf_config->set("work-stealing.aggressive-poll-attempts", size_t{10});
    impl->caf_config->set("work-stealing.moderate-poll-attempts", size_t{0});
  }
  impl->system = std::make_unique<caf::actor_system>(*impl->caf_config);
  impl->remote = std::make_unique<RemoteEventSender>(
      RemoteEventSender::Options{}, [m = impl.get()](const std::string& line) { m->log(line); });
  EngineImpl* m = impl.get();
  impl->timer = std::make_unique<ScheduleTimer>(
      *impl->store,
      [m](channels::EventRequest req, const std::string& id) {
        int refused = 0;  // signal calls `refused` before it returns
        m->signal(std::move(req), nullptr, [m, &refused, &id](const EngineError& e) {
          refused = e.status;
          m->log("scheduled event " + id + " refused: " + e.message);
        });
        return refused;
      },
      [m](const std::string& line) { m->log(line); });
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

void Engine::shutdown() {
  EngineImpl& m = *impl_;
  if (m.stopping.exchange(true)) return;
  if (m.timer) m.timer->stop();
  {
    // Every admitted request gets its answer: schedules run, commits land.
    std::unique_lock<std::mutex> lock(m.drain_mu);
    m.drained.wait_for(lock, std::chrono::seconds(30), [&] { return m.in_flight == 0; });
  }
  {
    // Drop our handles too: the actor system's destructor waits for every
    // actor, and a handle kept here would keep one alive.
    std::lock_guard<std::mutex> lock(m.picos_mu);
    for (auto& [id, slot] : m.picos) {
      caf::anon_send_exit(slot->actor, caf::exit_reason::user_shutdown);
      slot->actor = caf::actor();
    }
    m.picos.clear();
    m.recently_used.clear();
  }
  m.system->await_all_actors_done();
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
  // spawns picos when it delivers event:send messages.
  m.store.reset();
  // After the committer (which hands it events): what event:send still has
  // for other engines leaves, within the sender's bounded grace.
  m.remote.reset();
  m.system.reset();
}

void Engine::event_wait(channels::EventRequest event, channels::Done<channels::EventResult> done) {
  auto tracked = impl_->track(std::move(done));
  impl_->signal(std::move(event), tracked, [tracked](EngineError e) { tracked(std::move(e)); });
}

void Engine::event(channels::EventRequest event, channels::Done<std::string> done) {
  auto tracked = impl_->track(std::move(done));
  std::string eid = new_id();
  bool refused = false;
  // The event runs to completion even though nobody waits for its answer;
  // shutdown still waits for it through the tracked no-op completion.
  auto completion =
      impl_->track<channels::EventResult>([](channels::Result<channels::EventResult>) {});
  impl_->signal(
      std::move(event), completion,
      [&](EngineError e) {
        refused = true;
        completion(e);
        tracked(std::move(e));
      },
      eid);
  if (!refused) tracked(eid);
}

void Engine::event_query(channels::EventRequest event, channels::QueryRequest query,
                         channels::Done<krl::Value> done) {
  auto tracked = impl_->track(std::move(done));
  if (trim(query.eci) != trim(event.eci)) {
    return tracked(error(400, "eventQuery must use the same channel"));
  }
  EngineError err;
  auto pico = impl_->query_target(query, &err);
  if (!pico) return tracked(err);
  EngineImpl* m = impl_.get();
  auto q = std::make_shared<channels::QueryRequest>(std::move(query));
  impl_->signal(
      std::move(event),
      [m, q, tracked, pico = *pico](channels::Result<channels::EventResult> r) {
        if (!r.ok()) return tracked(r.error());
        m->submit_query(pico, std::move(*q), tracked);
      },
      [tracked](EngineError e) { tracked(std::move(e)); });
}

void Engine::query(channels::QueryRequest query, channels::Done<krl::Value> done) {
  auto tracked = impl_->track(std::move(done));
  EngineError err;
  auto pico = impl_->query_target(query, &err);
  if (!pico) return tracked(err);
  impl_->submit_query(*pico, std::move(query), tracked);
}

void Engine::flush(std::string url, channels::Done<krl::Value> done) {
  auto tracked = impl_->track(std::move(done));
  if (impl_->stopping.load()) return tracked(EngineError{503, "Error: engine shutting down"});
  EngineImpl* m = impl_.get();
  // Reading and compiling may take a while: off the caller's (I/O) thread.
  m->system->spawn([m, url = std::move(url), tracked](caf::event_based_actor* self) {
    RulesetRegistry::Result r = m->registry->flush(url);
    self->quit();
    if (!r.ruleset) return tracked(EngineError{400, "Error: " + r.error});
    m->ruleset_generation.fetch_add(1);
    krl::Map out{{"url", r.ruleset->url},
                 {"rid", r.ruleset->rid},
                 {"hash", r.ruleset->hash},
                 {"flushed", true}};
    tracked(krl::Value(std::move(out)));
  });
}

void Engine::ui_context(channels::Done<channels::UiContext> done) {
  done(channels::UiContext{kVersion, impl_->owner_eci});
}

}  // namespace spime::runtime
