// Metrics: the engine's Prometheus metrics (GET /metrics), the one owner of
// every metric name, its help text, labels and buckets.
//
// Two kinds of figures:
//   - what happens (events, queries, HTTP replies, commits, schedule
//     firings): counters and histograms of prometheus-cpp's core library,
//     updated where it happens. Their label children are made once (the
//     outcome of each Status code at construction, each HTTP status at its
//     first reply), so the hot path is an atomic add, no lookup by label;
//   - what is (active picos, inbox depths, the commit queue, the outbox per
//     destination, RocksDB's properties): read at scrape time (Readings,
//     filled by readings.h), never updated on the hot path.
//
// Names follow Prometheus's conventions: the `spime_` prefix, base units
// (seconds, bytes), `_total` for counters. README.md lists them all.
//
// Thread-safety: every method may be called from any thread at any time.
// Errors: none (a figure cannot fail to count).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/status.h"

namespace spime::runtime {

// The states read at scrape time (readings.h fills them).
struct Readings {
  std::size_t active_picos = 0;
  std::size_t inbox_messages = 0;      // waiting in every active pico's inbox
  std::size_t inbox_max_messages = 0;  // in the fullest one
  std::size_t commit_queue_batches = 0;
  std::size_t commit_queue_limit = 0;
  std::size_t stream_watchers = 0;            // open event streams
  std::uint64_t stream_watchers_dropped = 0;  // closed for not keeping up

  struct OutboxDestination {
    std::string host;
    std::string eci;  // shortened (logging::short_eci): a label holds no capability
    std::size_t waiting = 0;
    double oldest_age_seconds = 0;
  };
  bool has_outbox = false;
  std::size_t outbox_capacity = 0, outbox_waiting = 0;
  std::uint64_t outbox_delivered = 0, outbox_dropped = 0;
  std::vector<OutboxDestination> outbox;  // one per (host, shortened eci)

  // RocksDB's properties (store.h, Store::Stats).
  std::uint64_t store_estimated_keys = 0;
  std::uint64_t store_block_cache_usage_bytes = 0;
  std::uint64_t store_block_cache_capacity_bytes = 0;
  std::uint64_t store_memtable_bytes = 0;
  std::uint64_t store_pending_compaction_bytes = 0;
  std::uint64_t store_live_sst_bytes = 0;
  std::uint64_t store_running_compactions = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // An event (HTTP, event:send, a schedule) or a query the engine answered
  // or refused, by the outcome's Status code: spime_events_total{outcome},
  // spime_queries_total{outcome}.
  void event_finished(api::Status::Code outcome);
  void query_finished(api::Status::Code outcome);

  // One MQTT message the bridge handed on or refused, by its final outcome:
  // spime_mqtt_messages_total{outcome}.
  void mqtt_handled(api::Status::Code outcome);

  // One HTTP reply sent: spime_http_responses_total{code}.
  void http_replied(int status);

  // One group commit (store/committer.h): `batches` written as one write,
  // taking `took` (write and fsync): spime_commit_group_batches,
  // spime_commit_seconds.
  void commit_group(std::size_t batches, std::chrono::nanoseconds took);

  // A due schedule handed to its pico `late` after its time:
  // spime_schedule_lag_seconds.
  void schedule_fired(std::chrono::milliseconds late);

  // The Prometheus text exposition (format 0.0.4) of every metric, the
  // scrape-time `readings` included.
  std::string text(const Readings& readings) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::runtime
