// Every metric of the engine, by name. See metrics.h.
#include "engine/runtime/metrics/metrics.h"

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace spime::runtime {

namespace {

using Code = api::Status::Code;
namespace prom = prometheus;

constexpr std::array<Code, 10> kCodes = {
    Code::kOk,          Code::kInvalidArgument, Code::kPermissionDenied, Code::kNotFound,
    Code::kConflict,    Code::kUnavailable,     Code::kRuleError,        Code::kInternal,
    Code::kRateLimited, Code::kStorageFull,
};

// The `outcome` label of a Status code.
const char* outcome_label(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kRateLimited:
      return "rate_limited";
    case Code::kRuleError:
      return "rule_error";
    case Code::kInternal:
      return "internal";
    case Code::kStorageFull:
      return "storage_full";
  }
  return "internal";
}

std::size_t code_index(Code code) {
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == code) return i;
  }
  return kCodes.size() - 1;
}

// A counter child per Status code, made once.
using OutcomeCounters = std::array<prom::Counter*, kCodes.size()>;

OutcomeCounters outcome_counters(prom::Family<prom::Counter>& family) {
  OutcomeCounters out{};
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    out[i] = &family.Add({{"outcome", outcome_label(kCodes[i])}});
  }
  return out;
}

// ---- scrape-time families ---------------------------------------------------

prom::MetricFamily family(const char* name, const char* help, prom::MetricType type) {
  prom::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

prom::ClientMetric sample(double value, prom::MetricType type,
                          std::vector<prom::ClientMetric::Label> labels = {}) {
  prom::ClientMetric m;
  m.label = std::move(labels);
  if (type == prom::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return m;
}

// One figure read at scrape time: a row of the tables below.
struct Scalar {
  const char* name;
  const char* help;
  prom::MetricType type;
  double (*read)(const Readings&);
};

constexpr prom::MetricType kGauge = prom::MetricType::Gauge;
constexpr prom::MetricType kCounter = prom::MetricType::Counter;

template <class T>
constexpr double as_double(T v) {
  return static_cast<double>(v);
}

// The engine's states.
constexpr Scalar kEngineScalars[] = {
    {"spime_active_picos", "Picos with their actor (and state) in memory.", kGauge,
     [](const Readings& r) { return as_double(r.active_picos); }},
    {"spime_pico_inbox_messages", "Events and queries waiting in the inboxes of all active picos.",
     kGauge, [](const Readings& r) { return as_double(r.inbox_messages); }},
    {"spime_pico_inbox_max_messages",
     "Events and queries waiting in the fullest inbox of an active pico.", kGauge,
     [](const Readings& r) { return as_double(r.inbox_max_messages); }},
    {"spime_commit_queue_batches", "Transactions waiting for the group committer.", kGauge,
     [](const Readings& r) { return as_double(r.commit_queue_batches); }},
    {"spime_commit_queue_limit_batches",
     "Transactions the group committer holds at most (then 503).", kGauge,
     [](const Readings& r) { return as_double(r.commit_queue_limit); }},
    {"spime_stream_watchers", "Open event streams (GET /c/<eci>/stream).", kGauge,
     [](const Readings& r) { return as_double(r.stream_watchers); }},
    {"spime_stream_watchers_dropped_total",
     "Event streams closed for not keeping up, since the start.", kCounter,
     [](const Readings& r) { return as_double(r.stream_watchers_dropped); }},
};

// The outbox in all, when the engine has one.
constexpr Scalar kOutboxScalars[] = {
    {"spime_outbox_capacity_events",
     "Events for other engines the outbox holds at most (then 503).", kGauge,
     [](const Readings& r) { return as_double(r.outbox_capacity); }},
    {"spime_outbox_events", "Events waiting for other engines, in all.", kGauge,
     [](const Readings& r) { return as_double(r.outbox_waiting); }},
    {"spime_outbox_delivered_total", "Events other engines accepted, since the engine started.",
     kCounter, [](const Readings& r) { return as_double(r.outbox_delivered); }},
    {"spime_outbox_dropped_total",
     "Events other engines refused for good, since the engine started.", kCounter,
     [](const Readings& r) { return as_double(r.outbox_dropped); }},
};

// RocksDB's properties (store.h, Store::Stats).
constexpr Scalar kStoreScalars[] = {
    {"spime_rocksdb_estimated_keys",
     "RocksDB's estimate of the keys in the store (rocksdb.estimate-num-keys).", kGauge,
     [](const Readings& r) { return as_double(r.store_estimated_keys); }},
    {"spime_rocksdb_block_cache_usage_bytes",
     "Bytes held by RocksDB's block cache (rocksdb.block-cache-usage).", kGauge,
     [](const Readings& r) { return as_double(r.store_block_cache_usage_bytes); }},
    {"spime_rocksdb_block_cache_capacity_bytes",
     "The size of RocksDB's block cache (rocksdb.block-cache-capacity).", kGauge,
     [](const Readings& r) { return as_double(r.store_block_cache_capacity_bytes); }},
    {"spime_rocksdb_memtable_bytes",
     "Bytes in RocksDB's memtables (rocksdb.cur-size-all-mem-tables).", kGauge,
     [](const Readings& r) { return as_double(r.store_memtable_bytes); }},
    {"spime_rocksdb_pending_compaction_bytes",
     "Bytes RocksDB estimates compaction must rewrite "
     "(rocksdb.estimate-pending-compaction-bytes).",
     kGauge, [](const Readings& r) { return as_double(r.store_pending_compaction_bytes); }},
    {"spime_rocksdb_live_sst_bytes",
     "Bytes of the store's live SST files (rocksdb.live-sst-files-size).", kGauge,
     [](const Readings& r) { return as_double(r.store_live_sst_bytes); }},
    {"spime_rocksdb_running_compactions",
     "Compactions running now (rocksdb.num-running-compactions).", kGauge,
     [](const Readings& r) { return as_double(r.store_running_compactions); }},
};

template <std::size_t N>
void add_scalars(const Scalar (&table)[N], const Readings& r,
                 std::vector<prom::MetricFamily>* out) {
  for (const Scalar& row : table) {
    prom::MetricFamily f = family(row.name, row.help, row.type);
    f.metric.push_back(sample(row.read(r), row.type));
    out->push_back(std::move(f));
  }
}

void add_readings(const Readings& r, std::vector<prom::MetricFamily>* out) {
  add_scalars(kEngineScalars, r, out);
  if (r.has_outbox) {
    add_scalars(kOutboxScalars, r, out);
    prom::MetricFamily waiting =
        family("spime_outbox_waiting_events",
               "Events waiting for one destination (host, shortened eci).", kGauge);
    prom::MetricFamily oldest = family(
        "spime_outbox_oldest_age_seconds",
        "Age of the oldest event waiting for one destination (host, shortened eci).", kGauge);
    for (const Readings::OutboxDestination& d : r.outbox) {
      std::vector<prom::ClientMetric::Label> labels{{"host", d.host}, {"eci", d.eci}};
      waiting.metric.push_back(sample(as_double(d.waiting), kGauge, labels));
      oldest.metric.push_back(sample(d.oldest_age_seconds, kGauge, labels));
    }
    out->push_back(std::move(waiting));
    out->push_back(std::move(oldest));
  }
  add_scalars(kStoreScalars, r, out);
}

}  // namespace

struct Metrics::Impl {
  prom::Registry registry;
  prom::Family<prom::Counter>& events = prom::BuildCounter()
                                            .Name("spime_events_total")
                                            .Help("Events answered or refused, by outcome.")
                                            .Register(registry);
  prom::Family<prom::Counter>& queries = prom::BuildCounter()
                                             .Name("spime_queries_total")
                                             .Help("Queries answered or refused, by outcome.")
                                             .Register(registry);
  prom::Family<prom::Counter>& mqtt =
      prom::BuildCounter()
          .Name("spime_mqtt_messages_total")
          .Help("MQTT messages the bridge handed on or refused, by final outcome.")
          .Register(registry);
  prom::Family<prom::Counter>& http = prom::BuildCounter()
                                          .Name("spime_http_responses_total")
                                          .Help("HTTP replies sent, by status code.")
                                          .Register(registry);
  prom::Family<prom::Histogram>& group_batches =
      prom::BuildHistogram()
          .Name("spime_commit_group_batches")
          .Help("Transactions written together by one group commit (one write, one fsync).")
          .Register(registry);
  prom::Family<prom::Histogram>& commit_seconds =
      prom::BuildHistogram()
          .Name("spime_commit_seconds")
          .Help("Time of one group commit: the write and its fsync.")
          .Register(registry);
  prom::Family<prom::Histogram>& schedule_lag =
      prom::BuildHistogram()
          .Name("spime_schedule_lag_seconds")
          .Help("How late a due schedule was handed to its pico.")
          .Register(registry);

  OutcomeCounters event_outcomes = outcome_counters(events);
  OutcomeCounters query_outcomes = outcome_counters(queries);
  OutcomeCounters mqtt_outcomes = outcome_counters(mqtt);
  prom::Histogram& group_batches_h = group_batches.Add(
      {}, prom::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  prom::Histogram& commit_seconds_h = commit_seconds.Add(
      {}, prom::Histogram::BucketBoundaries{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                            0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
  prom::Histogram& schedule_lag_h = schedule_lag.Add(
      {}, prom::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});

  // One child per HTTP status, made at its first reply (statuses 100..599;
  // anything else counts as 500, which no server sends anyway).
  static constexpr int kFirstStatus = 100, kLastStatus = 599;
  std::array<std::atomic<prom::Counter*>, kLastStatus - kFirstStatus + 1> http_children{};
  std::mutex http_mu;  // making a child

  prom::Counter& http_child(int status) {
    if (status < kFirstStatus || status > kLastStatus) status = 500;
    std::atomic<prom::Counter*>& slot =
        http_children[static_cast<std::size_t>(status - kFirstStatus)];
    prom::Counter* c = slot.load(std::memory_order_acquire);
    if (c) return *c;
    std::lock_guard<std::mutex> lock(http_mu);
    c = slot.load(std::memory_order_relaxed);
    if (!c) {
      c = &http.Add({{"code", std::to_string(status)}});
      slot.store(c, std::memory_order_release);
    }
    return *c;
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::event_finished(api::Status::Code outcome) {
  impl_->event_outcomes[code_index(outcome)]->Increment();
}

void Metrics::query_finished(api::Status::Code outcome) {
  impl_->query_outcomes[code_index(outcome)]->Increment();
}

void Metrics::mqtt_handled(api::Status::Code outcome) {
  impl_->mqtt_outcomes[code_index(outcome)]->Increment();
}

void Metrics::http_replied(int status) {
  impl_->http_child(status).Increment();
}

void Metrics::commit_group(std::size_t batches, std::chrono::nanoseconds took) {
  impl_->group_batches_h.Observe(static_cast<double>(batches));
  impl_->commit_seconds_h.Observe(std::chrono::duration<double>(took).count());
}

void Metrics::schedule_fired(std::chrono::milliseconds late) {
  impl_->schedule_lag_h.Observe(std::chrono::duration<double>(late).count());
}

std::string Metrics::text(const Readings& readings) const {
  std::vector<prom::MetricFamily> families = impl_->registry.Collect();
  add_readings(readings, &families);
  return prom::TextSerializer().Serialize(families);
}

}  // namespace spime::runtime
