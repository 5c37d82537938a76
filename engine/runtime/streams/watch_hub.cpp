#include "engine/runtime/streams/watch_hub.h"

#include <algorithm>

namespace spime::runtime {

namespace {

// Whatever the event count, a watcher holds at most this much text.
constexpr std::size_t kMaxBufferBytes = std::size_t{4} << 20;

std::string json_text(const std::string& s) {
  return krl::encode_json(krl::Value(s));
}

}  // namespace

bool Watcher::Filter::wants(std::string_view d, std::string_view t) const {
  if (!domain.empty() && domain != d) return false;
  if (!type.empty() && type != t) return false;
  return !check_event(policy, d, t).has_value();
}

Watcher::Watcher(std::weak_ptr<WatchHub> hub, std::string pico_id, Filter filter,
                 std::shared_ptr<api::WatchSink> sink, std::size_t buffer,
                 std::optional<std::uint64_t> resume_after)
    : hub_(std::move(hub)),
      pico_id_(std::move(pico_id)),
      filter_(std::move(filter)),
      sink_(std::move(sink)),
      buffer_(std::max<std::size_t>(buffer, 1)),
      replaying_(resume_after.has_value()),
      last_(resume_after) {}

std::string Watcher::take(bool* ended) {
  MutexLock lock(mu_);
  std::string out;
  out.swap(text_);
  queued_ = 0;
  woken_ = false;
  *ended = ended_;
  return out;
}

void Watcher::cancel() {
  {
    MutexLock lock(mu_);
    ended_ = true;
  }
  if (auto hub = hub_.lock()) hub->remove(this);
}

void Watcher::end_locked(const char* event, const std::string& why) {
  if (ended_) return;
  ended_ = true;
  held_.clear();
  text_ += "event: ";
  text_ += event;
  text_ += "\ndata: {\"reason\":" + json_text(why);
  if (last_) text_ += ",\"lastEventId\":" + std::to_string(*last_);
  text_ += "}\n\n";
}

bool Watcher::offer(std::optional<std::uint64_t> seq, const std::string& chunk) {
  if (ended_) return true;
  if (replaying_) {
    if (held_.size() >= buffer_ || held_bytes_ + chunk.size() > kMaxBufferBytes) {
      end_locked("dropped", "too many events while resuming");
      return false;
    }
    held_.emplace_back(seq, chunk);
    held_bytes_ += chunk.size();
    return true;
  }
  if (seq && last_ && *seq <= *last_) return true;  // queued already (a resume's read)
  if (queued_ >= buffer_ || text_.size() + chunk.size() > kMaxBufferBytes) {
    end_locked("dropped",
               "the client did not keep up: " + std::to_string(queued_) + " events waited for it");
    return false;
  }
  text_ += chunk;
  ++queued_;
  if (seq) last_ = seq;
  return true;
}

api::Result<std::shared_ptr<Watcher>> WatchHub::add(const std::string& pico_id,
                                                    Watcher::Filter filter,
                                                    std::shared_ptr<api::WatchSink> sink,
                                                    std::optional<std::uint64_t> resume_after) {
  MutexLock lock(mu_);
  if (closed_) return api::Status::unavailable("engine shutting down");
  if (count_.load(std::memory_order_relaxed) >= options_.max_watchers) {
    return api::Status::unavailable("too many watchers (at most " +
                                    std::to_string(options_.max_watchers) + ")");
  }
  auto w = std::make_shared<Watcher>(weak_from_this(), pico_id, std::move(filter), std::move(sink),
                                     options_.buffer, resume_after);
  by_pico_[pico_id].push_back(w);
  count_.fetch_add(1, std::memory_order_relaxed);
  return w;
}

void WatchHub::replayed(Watcher& w,
                        const std::vector<std::pair<std::uint64_t, EpisodeEvent>>& kept) {
  bool wake = false;
  {
    MutexLock lock(w.mu_);
    std::vector<std::pair<std::optional<std::uint64_t>, std::string>> held;
    held.swap(w.held_);
    w.held_bytes_ = 0;
    w.replaying_ = false;
    for (const auto& [seq, event] : kept) {
      if (!w.filter_.wants(event.domain, event.name)) continue;
      if (!w.offer(seq, sse_event(seq, stream_data(seq, event)))) break;
    }
    for (const auto& [seq, chunk] : held) {
      if (!w.offer(seq, chunk)) break;
    }
    if ((!w.text_.empty() || w.ended_) && !w.woken_) {
      w.woken_ = true;
      wake = true;
    }
  }
  if (wake) w.sink_->wake();
}

void WatchHub::remove(Watcher* w) {
  MutexLock lock(mu_);
  auto it = by_pico_.find(w->pico_id());
  if (it == by_pico_.end()) return;
  auto& list = it->second;
  auto at = std::find_if(list.begin(), list.end(),
                         [w](const std::shared_ptr<Watcher>& p) { return p.get() == w; });
  if (at == list.end()) return;
  list.erase(at);
  if (list.empty()) {
    by_pico_.erase(it);
    forget_members_locked(w->pico_id());
  }
  count_.fetch_sub(1, std::memory_order_relaxed);
}

void WatchHub::deliver_locked(Watchers& list, std::optional<std::uint64_t> seq,
                              const EpisodeEvent& event, const std::function<std::string()>& format,
                              Watchers* to_wake) {
  std::string chunk;  // formatted once, for the first watcher that wants it
  for (auto w = list.begin(); w != list.end();) {
    Watcher& watcher = **w;
    if (!watcher.filter_.wants(event.domain, event.name)) {
      ++w;
      continue;
    }
    if (chunk.empty()) chunk = format();
    bool kept;
    bool wake = false;
    {
      MutexLock wl(watcher.mu_);
      kept = watcher.offer(seq, chunk);
      if (!watcher.replaying_ && (!watcher.text_.empty() || watcher.ended_) && !watcher.woken_) {
        watcher.woken_ = true;
        wake = true;
      }
    }
    if (wake) to_wake->push_back(*w);
    if (kept) {
      ++w;
    } else {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      count_.fetch_sub(1, std::memory_order_relaxed);
      w = list.erase(w);
    }
  }
}

void WatchHub::publish(const std::string& pico_id, std::uint64_t seq, const EpisodeEvent& event,
                       const std::vector<EpisodeEvent>& readings) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  Watchers to_wake;
  {
    MutexLock lock(mu_);
    if (auto it = by_pico_.find(pico_id); it != by_pico_.end()) {
      deliver_locked(
          it->second, seq, event, [&] { return sse_event(seq, stream_data(seq, event)); },
          &to_wake);
      if (it->second.empty()) {
        by_pico_.erase(it);
        forget_members_locked(pico_id);
      }
    }
    auto of = readings.empty() ? collections_of_.end() : collections_of_.find(pico_id);
    if (of != collections_of_.end()) {
      const std::vector<std::string> collections = of->second;  // forget_* may change it
      for (const EpisodeEvent& reading : readings) {
        for (const std::string& c : collections) {
          auto it = by_pico_.find(c);
          if (it == by_pico_.end()) continue;
          deliver_locked(
              it->second, std::nullopt, reading,
              [&] { return sse_event(std::nullopt, member_stream_data(pico_id, reading)); },
              &to_wake);
          if (it->second.empty()) {
            by_pico_.erase(it);
            forget_members_locked(c);
          }
        }
      }
    }
  }
  for (const auto& w : to_wake) w->sink_->wake();
}

void WatchHub::set_members(const std::string& collection_id, std::vector<std::string> member_ids) {
  MutexLock lock(mu_);
  forget_members_locked(collection_id);
  if (closed_ || !by_pico_.count(collection_id) || member_ids.empty()) return;
  for (const std::string& m : member_ids) collections_of_[m].push_back(collection_id);
  members_[collection_id] = std::move(member_ids);
  followed_.store(collections_of_.size(), std::memory_order_relaxed);
}

void WatchHub::forget_members_locked(const std::string& collection_id) {
  auto it = members_.find(collection_id);
  if (it == members_.end()) return;
  for (const std::string& m : it->second) {
    auto of = collections_of_.find(m);
    if (of == collections_of_.end()) continue;
    auto& list = of->second;
    list.erase(std::remove(list.begin(), list.end(), collection_id), list.end());
    if (list.empty()) collections_of_.erase(of);
  }
  members_.erase(it);
  followed_.store(collections_of_.size(), std::memory_order_relaxed);
}

void WatchHub::close_all() {
  Watchers all;
  {
    MutexLock lock(mu_);
    closed_ = true;
    for (auto& [pico, list] : by_pico_) {
      for (auto& w : list) all.push_back(std::move(w));
    }
    by_pico_.clear();
    members_.clear();
    collections_of_.clear();
    followed_.store(0, std::memory_order_relaxed);
    count_.store(0, std::memory_order_relaxed);
  }
  for (const auto& w : all) {
    {
      MutexLock lock(w->mu_);
      w->end_locked("end", "engine shutting down");
      w->woken_ = true;
    }
    w->sink_->wake();
  }
}

std::string WatchHub::sse_event(std::optional<std::uint64_t> seq, const std::string& data) {
  std::string out;
  if (seq) {
    out += "id: ";
    out += std::to_string(*seq);
    out += '\n';
  }
  out += "data: ";
  out += data;
  out += "\n\n";
  return out;
}

}  // namespace spime::runtime
