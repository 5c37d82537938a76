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
// A collection's watchers also get its members' readings
// (collection_members.h): set_members() gives the hub a watched
// collection's members on this engine (members elsewhere are not followed),
// and a member's published episode carries the readings its schedule raised,
// which go to the watchers of every watched collection it belongs to, in
// commit order per member, each through the watcher's filter and bound like
// any event. A reading has no `id:` (data only, {"member", "eid", "domain",
// "type", "attrs", "time"}): a client's Last-Event-ID stays the collection's
// own last event, so a resume replays the collection's kept events; readings
// sent while it was away are not replayed (they are in each device's
// history). A collection's members are forgotten with its last watcher. A
// member that keeps no episode of an event (logs off for the engine, the
// pico or the channel the heartbeat came on) sends no reading of it either.
//
// Thread-safety: every method from any thread. A sink's wake() is called
// with no lock of the hub held.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"
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
  // Queues one event (the hub's lock held); false when it overflowed (now ended). No
  // `seq`: an event without an id (a member's reading), never taken for a repeat.
  bool offer(std::optional<std::uint64_t> seq, const std::string& chunk) SPIME_REQUIRES(mu_);
  // Ends the watch with a last event (the caller wakes the sink).
  void end_locked(const char* event, const std::string& why) SPIME_REQUIRES(mu_);

  std::weak_ptr<WatchHub> hub_;
  const std::string pico_id_;
  const Filter filter_;
  const std::shared_ptr<api::WatchSink> sink_;
  const std::size_t buffer_;

  Mutex mu_;
  std::string text_ SPIME_GUARDED_BY(mu_);        // what waits for the client
  std::size_t queued_ SPIME_GUARDED_BY(mu_) = 0;  // events in text_
  bool replaying_ SPIME_GUARDED_BY(mu_) = false;  // live events go to held_
  std::vector<std::pair<std::optional<std::uint64_t>, std::string>> held_ SPIME_GUARDED_BY(mu_);
  std::size_t held_bytes_ SPIME_GUARDED_BY(mu_) = 0;
  std::optional<std::uint64_t> last_ SPIME_GUARDED_BY(mu_);  // the last event queued
  bool ended_ SPIME_GUARDED_BY(mu_) = false;
  bool woken_ SPIME_GUARDED_BY(mu_) = false;  // a wake is pending (the client has not taken since)
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

  // Episode `seq` of pico `pico_id` is durable: to every watcher that wants it; and
  // `readings` (the reading events its schedule raised) to the watchers of the
  // watched collections `pico_id` is a member of.
  void publish(const std::string& pico_id, std::uint64_t seq, const EpisodeEvent& event,
               const std::vector<EpisodeEvent>& readings = {});

  // The members (pico ids on this engine) of collection `collection_id` now; nothing
  // when nobody watches it. Called on the collection's thread, in its order.
  void set_members(const std::string& collection_id, std::vector<std::string> member_ids);
  // Whether some watched collection has members (a pico's readings may be wanted).
  bool follows_members() const { return followed_.load(std::memory_order_relaxed) != 0; }

  // Ends every watch ("event: end") and refuses new ones: the engine stops.
  void close_all();

  std::size_t size() const { return count_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // "id: N\ndata: <data>\n\n"; without `seq`, "data: <data>\n\n".
  static std::string sse_event(std::optional<std::uint64_t> seq, const std::string& data);

 private:
  using Watchers = std::vector<std::shared_ptr<Watcher>>;
  // Offers one event to the watchers in `list` that want it (`chunk` made when first
  // needed); drops those that overflow. Under mu_.
  void deliver_locked(Watchers& list, std::optional<std::uint64_t> seq, const EpisodeEvent& event,
                      const std::function<std::string()>& format, Watchers* to_wake)
      SPIME_REQUIRES(mu_);
  // The collection has no watcher left: its members are no longer followed. Under mu_.
  void forget_members_locked(const std::string& collection_id) SPIME_REQUIRES(mu_);

  const Options options_;
  mutable Mutex mu_;
  bool closed_ SPIME_GUARDED_BY(mu_) = false;
  std::unordered_map<std::string, Watchers> by_pico_ SPIME_GUARDED_BY(mu_);
  // Watched collections' members, and each member's collections.
  std::unordered_map<std::string, std::vector<std::string>> members_ SPIME_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::vector<std::string>> collections_of_ SPIME_GUARDED_BY(mu_);
  std::atomic<std::size_t> followed_{0};  // collections_of_.size()
  std::atomic<std::size_t> count_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace spime::runtime
