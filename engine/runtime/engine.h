// Engine: picos as CAF actors over one RocksDB store, behind the engine's
// public API (engine/api/engine_api.h).
//
// The path of one event (see ../shared/DESIGN.md):
//   caller thread (HTTP I/O): admission (admission/admission.h: ECI -> channel
//     in the channel index -> policy -> attribute schema) -> the pico's slot
//     (pico/pico_table.h) -> its inbox, bounded (pico/pico_actor.h);
//   pico actor (CAF scheduler): runs the whole event schedule on the pico's
//     in-memory state as ONE transaction (pico/transaction.h) and submits
//     its batch to the committer; the picos it created and the channels it
//     changed become visible to later requests at that moment, marked with
//     the batch's commit sequence number;
//   committer thread: group commit (WAL, fsync) -> post-commit observers
//     (post_commit.h: events for local picos are queued at their targets,
//     events for other engines start their delivery by the outbox,
//     outbound/outbox.h; the batch holds the records of both) -> the answer.
//
// What an answer promises: when it leaves, everything the request wrote and
// everything it read (its own pico's earlier writes, channels, other picos
// it queried) is durable, and the events it sent to local picos are queued
// ahead of anything that arrives later. So every later request on any
// channel sees it, and no answer shows a write a crash could lose. A pico's
// next message may run while the previous one's batch is being committed:
// it reads the pending state and its answer waits too (no answer leaves
// before the writes it depends on). A failed commit is fatal (the store
// refuses every later write; restart the engine).
//
// Each pico has one FIFO for events and queries (as the reference). A
// schedule that calls another pico (ctx:query, ctx:eventQuery, ...) runs the
// call behind that pico's queue, with a bounded wait; a pico created by the
// schedule (ctx:newPico) is usable in it, and its creation and the nested
// runs on it commit with the schedule, or not at all.
//
// Bounded: each pico admits at most `pico_queue_limit` waiting messages, the
// committer at most `max_pending_commits` batches, the outbox at most
// `outbox_capacity` events for other engines; beyond any of them the request
// is refused with kUnavailable (503) at once. Nothing waits without end.
//
// Picos are activated on demand (state loaded from the store at the first
// request). At most `max_active_picos` stay active: beyond that, the least
// recently used idle picos are evicted (pico_table.h). Memory is bounded by
// the recently active picos, not by all picos of the data directory.
//
// Thread-safety: every EngineApi method may be called from any thread; each
// `done` is called exactly once, from an engine thread or inline.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/api/engine_api.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/limits.h"
#include "engine/runtime/timers/clock.h"

namespace spime::cluster {
class Membership;
}

namespace spime::runtime {

struct EngineOptions {
  std::string data_dir = "data";
  // Every *.krl here is registered (compiled) at start; "" for none.
  std::string rulesets_dir;
  // Every *.yaml here is loaded as a prototype at start, after the rulesets
  // (prototypes/prototype_catalog.h); a file with an error is reported
  // through `log` ("prototype error: file:line:col: message") and left out,
  // the others load. "" for none.
  std::string prototypes_dir;
  // file:// ruleset urls: when confined, only inside rulesets_dir and these
  // folders (rulesets/ruleset_source.h); otherwise any absolute path.
  bool confine_ruleset_files = false;
  std::vector<std::string> ruleset_roots;
  // fsync the WAL before acknowledging (off only for benchmarks that say so).
  bool sync_commits = true;
  // The store's block cache (store.h).
  size_t block_cache_bytes = size_t{128} << 20;
  // RocksDB options over spime's defaults (store.h); "" for none.
  std::string rocksdb_options;
  // Check every table file's checksums when opening (store.h): a corrupt
  // directory is refused at start (`spime serve --no-verify-store` skips it).
  bool verify_store = true;
  // Free space the store keeps on its filesystem (store.h): writes past it
  // are refused as a full disk (507). `spime serve --min-free-mb`.
  std::uint64_t min_free_bytes = std::uint64_t{64} << 20;
  // Bounds (limits.h says what each is and why).
  size_t pico_queue_limit = limits::kPicoQueueLimit;
  size_t max_active_picos = 10000;
  size_t max_pending_commits = limits::kMaxPendingCommits;
  // Wall-clock budgets of one event schedule and of one query; 0: none.
  std::chrono::milliseconds event_budget = limits::kEventBudget;
  std::chrono::milliseconds query_budget = limits::kQueryBudget;
  // The rate limit of channels without their own (channel/rate_limiter.h):
  // events a second from outside senders (0: none) and burst (below 1: one
  // second's worth); channels with a bucket at most.
  // Entries one ruleset's schedule may hold on one pico (schedule:list).
  size_t max_scheduled_events = limits::kMaxScheduledEvents;
  double channel_rate = limits::kChannelRate;
  double channel_burst = limits::kChannelBurst;
  size_t max_rate_buckets = limits::kMaxRateBuckets;
  // CAF scheduler threads; 0 = one per core.
  int threads = 0;
  // Idle CAF workers: spin briefly, then sleep on their condition variable
  // (an enqueue wakes them). false keeps CAF's own polling, whose "moderate"
  // phase sleeps 50 us at a time (BENCHMARKS.md: costlier on a small VM).
  bool quick_idle_workers = true;
  // Events for other engines (outbound/outbox.h): at most this many wait;
  // beyond, the sending event is refused with kUnavailable (503).
  size_t outbox_capacity = limits::kOutboxCapacity;
  // Back-off between tries to an engine that is down: 100 ms doubling up to this.
  std::chrono::milliseconds outbox_max_retry{10000};
  // One POST to another engine, connect to answer.
  std::chrono::milliseconds outbox_timeout{5000};
  // The I/O pool (pico/io_pool.h): threads for picos that use the http
  // module, and the limits of one http call.
  int io_threads = 4;
  std::chrono::milliseconds http_timeout{10000};
  size_t http_max_response_bytes = 1024 * 1024;
  // A subscription's Rx channel gets least-privilege policies unless its
  // request says otherwise (io.picolabs.subscription reads this as
  // meta:engineConfig{"strictSubscriptionPolicies"}); false: allow-all, as
  // the reference.
  bool strict_subscription_policies = false;
  // Per-pico episode logs (logs/episode_log.h): on, and how many episodes
  // and how old each pico keeps (`spime serve --pico-logs on|off`).
  bool pico_logs = true;
  size_t pico_log_max_count = limits::kPicoLogMaxCount;
  std::chrono::milliseconds pico_log_max_age{12 * 3600 * 1000};
  // Live streams (/c/:eci/stream, streams/watch_hub.h): at most this many
  // watchers at once (then 503), each holding at most `watcher_buffer`
  // events for its client before it is dropped.
  size_t max_watchers = limits::kMaxWatchers;
  size_t watcher_buffer = limits::kWatcherBuffer;
  // The engine's one clock (timers/clock.h): event times, time:now(), when
  // schedules are due, flush and outbox times. Null: the system clock. A
  // ManualClock (tests, `spime serve --manual-clock`) stands still until
  // moved, and makes clock() (/api/clock) drive it.
  std::shared_ptr<Clock> clock;
  // Informational and debug lines; may be called from any engine thread.
  std::function<void(const std::string&)> log;
  // Keep the metrics (metrics/metrics.h, GET /metrics). Off: nothing is
  // counted and metrics() answers kUnavailable (for measuring their cost).
  bool metrics = true;
};

class EngineImpl;

// Where mqtt:publish's messages go once their schedule committed: topic,
// payload, retain. Called on the committer thread: must return at once.
using MqttPublisher =
    std::function<void(const std::string& topic, const std::string& payload, bool retain)>;

class Engine final : public api::EngineApi {
 public:
  // Opens (or creates, with a root pico and its owner channel) the data
  // directory and registers the rulesets. nullptr + *error when the store
  // cannot be opened (held by another process, newer schema, I/O error).
  static std::unique_ptr<Engine> open(const EngineOptions& options, std::string* error);
  ~Engine() override;  // shutdown()

  static const char* version();

  // The owner's channel on the root pico (every event and query).
  const std::string& owner_eci() const;
  // The root pico's engine UI channel (what /api/ui-context answers, as the
  // reference); empty when the UI ruleset is not registered.
  const std::string& ui_eci() const;
  // The base URL this engine serves at ("http://127.0.0.1:3000"): meta:host,
  // which subscriptions give other engines to answer to. Call once the
  // server listens; any thread.
  void set_host_url(std::string url);
  const std::string& root_pico_id() const;
  // This engine's id (m/engine_id, made once per data directory): the
  // outbox's X-Spime-Sender, and what `spime serve` names its MQTT session by.
  const std::string& engine_id() const;
  // Hands mqtt:publish's messages to `publisher` from now on (empty: drops
  // them, the default). `spime serve --mqtt` sets its bridge here. Any thread.
  void set_mqtt_publisher(MqttPublisher publisher);
  // Picos with an actor (and usually their state) in memory right now.
  size_t active_picos() const;
  // Why the store refused a write, once one has (store/committer.h: a failed
  // write is fatal for this engine); nullopt while every write succeeded.
  // `spime serve` then opens the data directory again (reopening_engine.h).
  // Any thread.
  std::optional<std::string> storage_failure() const;

  // How long a stop lets running schedules and queries go on (from
  // request_stop(), or shutdown() without it) before it interrupts them: an
  // interrupted evaluation gives up at its next step, writes nothing and is
  // answered kUnavailable (503: an outbox sends it again). Events queued
  // behind it meet the same fate; local event:sends among them keep their
  // records and run at the next start, as after a crash
  // (records/local_delivery_records.h).
  static constexpr std::chrono::milliseconds kStopGrace{2000};
  // How long shutdown() then waits for the interrupted ones before it goes on
  // without their answers.
  static constexpr std::chrono::milliseconds kInterruptGrace{1000};

  // Starts the stop clock without waiting or refusing anything: evaluations
  // still running kStopGrace from now are interrupted. `spime serve` calls
  // it on SIGTERM before it stops its HTTP server, so that the server's wait
  // for the answers in flight is not held by a long computation. Any
  // thread; idempotent.
  void request_stop();

  // Refuses new requests (503), lets admitted ones finish (interrupted as
  // above when they outlast kStopGrace), stops the I/O pool and the actors,
  // and closes the store (its committer drains: every accepted write is
  // durable). Returns within kStopGrace + kInterruptGrace of the stop's
  // start, plus Outbox::kStopGrace for the outbox's POSTs in flight (then
  // cut off: their events stay for the next start), and a little.
  // Idempotent.
  void shutdown();

  // api::EngineApi
  void event_wait(api::EventRequest event, api::Done<api::EventResult> done) override;
  void event(api::EventRequest event, api::Done<std::string> done) override;
  void event_query(api::EventRequest event, api::QueryRequest query,
                   api::Done<krl::Value> done) override;
  void query(api::QueryRequest query, api::Done<krl::Value> done) override;
  void flush(std::string eci, std::string url, api::Done<krl::Value> done) override;
  void ui_context(api::Done<api::UiContext> done) override;
  void outbox(api::Done<api::OutboxStatus> done) override;
  void prototypes(api::Done<krl::Value> done) override;
  void ruleset_errors(api::Done<krl::Value> done) override;
  // The cluster node this engine serves as (engine/cluster/membership.h),
  // or null. Not owned: it outlives the engine. Any thread.
  void set_cluster(const cluster::Membership* membership);
  void cluster(api::Done<krl::Value> done) override;  // runtime/cluster/engine_cluster.cpp
  // Slot moves: runtime/cluster/slot_moves.h.
  void export_slot(std::uint16_t slot, api::Done<std::string> done) override;
  void import_slot(std::uint16_t slot, std::string records, api::Done<krl::Value> done) override;
  void release_slot(std::uint16_t slot, api::Done<krl::Value> done) override;
  void unseal_slot(std::uint16_t slot, api::Done<krl::Value> done) override;
  void pico_move_step(api::PicoMoveStep step, api::Done<std::string> done) override;
  // One adoption step of legacy picos (SlotMoves::adopt_legacy; a cluster
  // node's LegacyAdopter calls it, in-process only).
  void adopt_legacy_picos(SlotMoves::OverrideWriter write, api::Done<SlotMoves::AdoptionStep> done);
  void prototype(std::string name, api::Done<krl::Value> done) override;
  void check_prototype(api::PrototypeCheck check,
                       api::Done<std::vector<std::string>> done) override;
  void clock(api::ClockRequest request, api::Done<std::int64_t> done) override;
  void metrics(api::Done<std::string> done) override;
  void http_replied(int status) override;
  void mqtt_handled(api::Status::Code outcome) override;
  void device_topic(std::string topic, api::Done<api::DeviceRoute> done) override;
  void watch(api::WatchRequest request, std::shared_ptr<api::WatchSink> sink,
             api::Done<std::shared_ptr<api::Watch>> done) override;
  // Online backup: the store's checkpoint (runtime/backup/backup.h).
  void backup(api::BackupRequest request, api::Done<api::BackupResult> done) override;
  // The MQTT bridge's sequence checkpoints (runtime/records/mqtt_sequence_records.h).
  void mqtt_sequence(std::string sender, api::Done<std::uint64_t> done) override;
  void save_mqtt_sequence(std::string sender, std::uint64_t value,
                          api::Done<std::uint64_t> done) override;
  // Holds every commit (the committer's pause) until called with false: for
  // tests that show which answers wait for a write and which do not. Any thread.
  void hold_commits(bool hold);
  // Watchers now, and those dropped for not keeping up since the start.
  std::size_t watchers() const;
  std::uint64_t dropped_watchers() const;

 private:
  explicit Engine(std::unique_ptr<EngineImpl> impl);
  std::unique_ptr<EngineImpl> impl_;
  std::atomic<const cluster::Membership*> cluster_{nullptr};
};

}  // namespace spime::runtime
