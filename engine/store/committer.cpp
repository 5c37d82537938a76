#include "engine/store/committer.h"

#include <utility>

namespace spime::store {

Committer::Committer(GroupWriter writer, bool sync, size_t max_pending)
    : writer_(std::move(writer)),
      sync_(sync),
      max_pending_(max_pending == 0 ? 1 : max_pending),
      thread_([this] { run(); }) {}

Committer::~Committer() {
  shutdown();
}

bool Committer::try_submit(WriteBatch batch, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_pending_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(Pending{std::move(batch), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void Committer::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Committer::pause() {
  std::lock_guard<std::mutex> lock(mu_);
  paused_ = true;
}

void Committer::resume() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    paused_ = false;
  }
  wake_.notify_all();
}

Committer::Stats Committer::stats() const {
  Stats s;
  s.batches = batches_.load(std::memory_order_relaxed);
  s.groups = groups_.load(std::memory_order_relaxed);
  s.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  s.failed_groups = failed_groups_.load(std::memory_order_relaxed);
  s.refused = refused_.load(std::memory_order_relaxed);
  return s;
}

size_t Committer::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Committer::run() {
  std::deque<Pending> group;
  std::vector<const WriteBatch*> batches;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || (!paused_ && !queue_.empty()); });
      if (queue_.empty()) return;  // stopping and drained
      group.swap(queue_);          // take everything waiting: that is the group
    }

    batches.clear();
    for (const Pending& p : group) batches.push_back(&p.batch);
    std::string error;
    bool ok = false;
    try {
      ok = writer_(batches, &error);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error while writing";
    }
    if (!ok && error.empty()) error = "write failed";

    batches_.fetch_add(group.size(), std::memory_order_relaxed);
    groups_.fetch_add(1, std::memory_order_relaxed);
    if (ok && sync_) fsyncs_.fetch_add(1, std::memory_order_relaxed);
    if (!ok) failed_groups_.fetch_add(1, std::memory_order_relaxed);

    for (Pending& p : group) {
      if (!p.done) continue;
      try {
        p.done(ok, ok ? std::string() : error);
      } catch (...) {
        // A throwing callback must not cost the others their acknowledgement.
      }
    }
    group.clear();
  }
}

}  // namespace spime::store
