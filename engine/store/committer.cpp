#include "engine/store/committer.h"

#include <utility>

namespace spime::store {

namespace {

// Runs a callback; one that throws must not cost the others their acknowledgement.
void call(const Committer::Done& done, bool ok, const std::string& error) {
  if (!done) return;
  try {
    done(ok, error);
  } catch (...) {
  }
}

}  // namespace

Committer::Committer(GroupWriter writer, bool sync, size_t max_pending, GroupObserver observer)
    : writer_(std::move(writer)),
      sync_(sync),
      max_pending_(max_pending == 0 ? 1 : max_pending),
      observer_(std::move(observer)),
      thread_([this] { run(); }) {}

Committer::~Committer() {
  shutdown();
}

uint64_t Committer::try_submit(WriteBatch batch, Done done) {
  uint64_t seq = 0;
  {
    MutexLock lock(mu_);
    if (stopping_ || queue_.size() >= max_pending_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    seq = next_seq_++;
    queue_.push_back(Pending{std::move(batch), std::move(done), seq});
  }
  wake_.notify_one();
  return seq;
}

void Committer::when_durable(uint64_t seq, Done done) {
  std::string error;
  {
    MutexLock lock(mu_);
    if (seq > durable_seq_.load(std::memory_order_relaxed) && fatal_error_.empty()) {
      waiters_.emplace(seq, std::move(done));
      return;
    }
    if (seq > durable_seq_.load(std::memory_order_relaxed)) error = fatal_error_;
  }
  call(done, error.empty(), error);
}

uint64_t Committer::last_seq() const {
  MutexLock lock(mu_);
  return next_seq_ - 1;
}

void Committer::shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  MutexLock join_lock(join_mu_);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  // Waiters for numbers that were never written (none can remain after the drain, but a
  // when_durable for a number past the last batch would): answer them rather than drop them.
  std::multimap<uint64_t, Done> left;
  {
    MutexLock lock(mu_);
    left.swap(waiters_);
  }
  for (auto& [seq, done] : left) call(done, false, "the store is shut down");
}

void Committer::pause() {
  MutexLock lock(mu_);
  paused_ = true;
}

void Committer::resume() {
  {
    MutexLock lock(mu_);
    paused_ = false;
  }
  wake_.notify_all();
}

std::string Committer::fatal_error() const {
  MutexLock lock(mu_);
  return fatal_error_;
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
  MutexLock lock(mu_);
  return queue_.size();
}

void Committer::run() {
  std::deque<Pending> group;
  std::vector<const WriteBatch*> batches;
  std::vector<std::pair<uint64_t, Done>> released;  // in seq order
  while (true) {
    std::string error;
    {
      UniqueMutexLock lock(mu_);
      while (!stopping_ && (paused_ || queue_.empty())) wake_.wait(lock.native());
      if (queue_.empty()) return;  // stopping and drained
      group.swap(queue_);          // take everything waiting: that is the group
      error = fatal_error_;
    }

    bool ok = false;
    if (error.empty()) {
      batches.clear();
      for (const Pending& p : group) batches.push_back(&p.batch);
      const auto started = std::chrono::steady_clock::now();
      try {
        ok = writer_(batches, &error);
      } catch (const std::exception& e) {
        error = e.what();
      } catch (...) {
        error = "unknown error while writing";
      }
      if (observer_) {
        try {
          observer_(group.size(), std::chrono::steady_clock::now() - started);
        } catch (...) {  // the metrics must not cost anyone an acknowledgement
        }
      }
      if (!ok && error.empty()) error = "write failed";
      groups_.fetch_add(1, std::memory_order_relaxed);
      if (ok && sync_) fsyncs_.fetch_add(1, std::memory_order_relaxed);
      if (!ok) failed_groups_.fetch_add(1, std::memory_order_relaxed);
    }
    batches_.fetch_add(group.size(), std::memory_order_relaxed);

    const uint64_t last = group.back().seq;
    released.clear();
    {
      MutexLock lock(mu_);
      if (ok) {
        durable_seq_.store(last, std::memory_order_release);
        auto end = waiters_.upper_bound(last);
        for (auto it = waiters_.begin(); it != end; ++it) {
          released.emplace_back(it->first, std::move(it->second));
        }
        waiters_.erase(waiters_.begin(), end);
      } else {
        if (fatal_error_.empty()) fatal_error_ = error.empty() ? "write failed" : error;
        for (auto& [seq, done] : waiters_) released.emplace_back(seq, std::move(done));
        waiters_.clear();
      }
    }
    // In sequence order: each batch's callback, then the waiters of its number.
    const std::string& outcome = ok ? std::string() : error;
    auto w = released.begin();
    for (Pending& p : group) {
      for (; w != released.end() && w->first < p.seq; ++w) call(w->second, ok, outcome);
      call(p.done, ok, outcome);
    }
    for (; w != released.end(); ++w) call(w->second, ok, outcome);
    group.clear();
  }
}

}  // namespace spime::store
