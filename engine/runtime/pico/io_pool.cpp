#include "engine/runtime/pico/io_pool.h"

#include <algorithm>

namespace spime::runtime {

namespace {

thread_local IoPool* t_pool = nullptr;
thread_local ThreadRole t_role = ThreadRole::kOther;
thread_local std::atomic<bool>* t_wants_io = nullptr;

}  // namespace

IoPool::IoPool(Options options) : options_(options) {
  int n = std::max(1, options_.threads);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

IoPool::~IoPool() {
  stop();
}

void IoPool::stop() {
  MutexLock join(join_mu_);
  std::deque<std::function<void()>> dropped;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  dropped.clear();  // outside mu_: a job's captures may answer requests as they go
}

void IoPool::submit(std::function<void()> job) {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool IoPool::on_pool_thread() const {
  return t_pool == this;
}

IoPool* IoPool::current() {
  return t_pool;
}

void IoPool::work() {
  t_pool = this;
  for (;;) {
    std::function<void()> job;
    {
      UniqueMutexLock lock(mu_);
      wake_.wait(lock.native(), [this] {
        mu_.assert_held();
        return stopping_ || !jobs_.empty();
      });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

ThreadRoleScope::ThreadRoleScope(ThreadRole role, std::atomic<bool>* wants_io)
    : saved_role_(t_role), saved_flag_(t_wants_io) {
  t_role = role;
  t_wants_io = wants_io;
}

ThreadRoleScope::~ThreadRoleScope() {
  t_role = saved_role_;
  t_wants_io = saved_flag_;
}

ThreadRole current_thread_role() {
  return t_role;
}

bool blocking_allowed() {
  if (t_role != ThreadRole::kScheduler) return true;
  if (t_wants_io) t_wants_io->store(true, std::memory_order_relaxed);
  return false;
}

}  // namespace spime::runtime
