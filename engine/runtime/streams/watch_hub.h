// WatchHub: the live watchers of picos' event streams (/c/:eci/stream), fed
// with each pico's episodes once they are durable.
//
// A watcher follows one pico, with a filter (domain, type) and the event
// policy of the channel it came through. It holds what waits for its client
// as SSE text in a bounded buffer (Options::buffer events, and 4 MiB): a watcher whose
// client does not keep up is dropped, its buffer ending with one last event
// ("event: dropped", with the last id it got, to resume from), so a slow or
// stuck client never slows a pico, the committer or another watcher. At most
// Options::max_watchers watch at once; add() refuses more (kUnavailable).
//
// Resume without gap or repeat: a watcher with a Last-Event-ID is added in a
// replaying state, in which live events are held aside (bounded as above);
// its owner then reads the kept episodes from the store (they are durable:
// published ones are in the store) and hands them to replayed(), which
// queues them, then the held live ones numbered after the last replayed one,
// and goes live. An episode published during the replay is either in the
// read or held (or both: it is queued once, by number).
//
// publish() runs on the committer thread, after the episode's batch is
// durable, in commit order (so in number order per pico); it formats the
// event only when a watcher of that pico wants it.
//
// Thread-safety: every method from any thread. A sink's wake() is called
// with no lock of the hub held.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/logs/episode_log.h"

namespace spime::runtime {

class WatchHub;

// One watcher; the HTTP layer holds it as an api::Watch.
class Watcher final : public api::Watch {
 public:
  struct Filter {
    std::string domain, type;  // "": any
    EventPolicy policy;        // of the channel it came through
    bool wants(std::string_view domain, std::string_view type) const;
  };

  Watcher(std::weak_ptr<WatchHub> hub, std::string pico_id, Filter filter,
          std::shared_ptr<api::WatchSink> sink, std::size_t buffer,
          std::optional<std::uint64_t> resume_after);

  std::string take(bool* ended) override;
  void cancel() override;

  const std::string& pico_id() const { return pico_id_; }

 private:
  friend class WatchHub;
  // Queues one event (the hub's lock held); false when it overflowed (now ended).
  bool offer(std::uint64_t seq, const std::string& chunk);
  // Ends the watch with a last event (the caller wakes the sink).
  void end_locked(const char* event, const std::string& why);

  std::weak_ptr<WatchHub> hub_;
  const std::string pico_id_;
  const Filter filter_;
  const std::shared_ptr<api::WatchSink> sink_;
  const std::size_t buffer_;

  std::mutex mu_;
  std::string text_;        // what waits for the client
  std::size_t queued_ = 0;  // events in text_
  bool replaying_ = false;  // live events go to held_
  std::vector<std::pair<std::uint64_t, std::string>> held_;
  std::size_t held_bytes_ = 0;
  std::optional<std::uint64_t> last_;  // the last event queued
  bool ended_ = false;
  bool woken_ = false;  // a wake is pending (the client has not taken since)
};

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  struct Options {
    std::size_t max_watchers = 1000;
    std::size_t buffer = 256;  // events a watcher holds for its client
  };
  explicit WatchHub(Options options) : options_(options) {}

  // A new watcher of `pico_id`; with `resume_after` (a Last-Event-ID) it
  // replays until replayed() and never shows an event numbered up to it.
  // kUnavailable beyond max_watchers, or after close_all().
  api::Result<std::shared_ptr<Watcher>> add(const std::string& pico_id, Watcher::Filter filter,
                                            std::shared_ptr<api::WatchSink> sink,
                                            std::optional<std::uint64_t> resume_after);
  // The kept events a replaying watcher resumes with (after its Last-Event-ID,
  // oldest first), then the live ones held since add(); then live.
  void replayed(Watcher& w, const std::vector<std::pair<std::uint64_t, EpisodeEvent>>& kept);
  void remove(Watcher* w);

  // Episode `seq` of pico `pico_id` is durable: to every watcher that wants it.
  void publish(const std::string& pico_id, std::uint64_t seq, const EpisodeEvent& event);

  // Ends every watch ("event: end") and refuses new ones: the engine stops.
  void close_all();

  std::size_t size() const { return count_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // "id: N\ndata: <data>\n\n".
  static std::string sse_event(std::uint64_t seq, const std::string& data);

 private:
  const Options options_;
  mutable std::mutex mu_;
  bool closed_ = false;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Watcher>>> by_pico_;
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace spime::runtime
