// Engine: picos as CAF actors over one RocksDB store, behind the async API the
// HTTP layer calls (channels/engine_api.h).
//
// The path of one event (see ../shared/DESIGN.md):
//   caller thread (HTTP I/O): ECI -> channel (cached) -> policy check ->
//     admission (the pico's queue bound) -> message to the pico's actor;
//   pico actor (CAF scheduler): runs the whole event schedule on the pico's
//     in-memory state, producing directives and ONE WriteBatch;
//   committer thread: group commit (WAL, fsync) -> the reply, then the
//     event:send messages to other picos.
// A pico runs one event at a time, in arrival order; different picos run in
// parallel. The next event of a pico may run while the previous one's batch
// is still being committed (commits are FIFO, so it can only ever be
// acknowledged after it); if a commit fails the pico's state is reloaded from
// the store and the events that depended on it fail too.
//
// Bounded: each pico admits at most `pico_queue_limit` waiting requests, the
// committer at most `max_pending_commits` batches; beyond either the request
// is refused with 503 at once. Nothing waits without end.
//
// Picos are activated on demand (state loaded from the store at the first
// request). At most `max_active_picos` stay active: beyond that, the least
// recently used idle picos (nothing queued, running or being committed) are
// evicted: their actor exits and their in-memory state is dropped, to be
// loaded again from the store by their next request. Memory is bounded by
// the recently active picos, not by all picos of the data directory.
//
// Thread-safety: every EngineApi method may be called from any thread; each
// `done` is called exactly once, from an engine thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/api/engine_api.h"

namespace spime::runtime {

struct EngineOptions {
  std::string data_dir = "data";
  // Every *.krl here is registered (compiled) at start; "" for none.
  std::string rulesets_dir;
  // fsync the WAL before acknowledging (off only for benchmarks that say so).
  bool sync_commits = true;
  size_t pico_queue_limit = 1024;
  size_t max_active_picos = 10000;
  size_t max_pending_commits = 16384;
  // CAF scheduler threads; 0 = one per core.
  int threads = 0;
  // Informational and debug lines; may be called from any engine thread.
  std::function<void(const std::string&)> log;
};

class EngineImpl;

class Engine final : public channels::EngineApi {
 public:
  // Opens (or creates, with a root pico and its owner channel) the data
  // directory and registers the rulesets. nullptr + *error when the store
  // cannot be opened (held by another process, newer schema, I/O error).
  static std::unique_ptr<Engine> open(const EngineOptions& options, std::string* error);
  ~Engine() override;  // shutdown()

  static const char* version();

  // The owner's channel on the root pico (see /api/ui-context).
  const std::string& owner_eci() const;
  const std::string& root_pico_id() const;
  // Picos with an actor (and usually their state) in memory right now.
  size_t active_picos() const;

  // Refuses new requests (503), finishes every admitted schedule and commit,
  // stops the actors and closes the store. Idempotent.
  void shutdown();

  // channels::EngineApi
  void event_wait(channels::EventRequest event,
                  channels::Done<channels::EventResult> done) override;
  void event(channels::EventRequest event, channels::Done<std::string> done) override;
  void event_query(channels::EventRequest event, channels::QueryRequest query,
                   channels::Done<krl::Value> done) override;
  void query(channels::QueryRequest query, channels::Done<krl::Value> done) override;
  void flush(std::string url, channels::Done<krl::Value> done) override;
  void ui_context(channels::Done<channels::UiContext> done) override;

 private:
  explicit Engine(std::unique_ptr<EngineImpl> impl);
  std::unique_ptr<EngineImpl> impl_;
};

}  // namespace spime::runtime
