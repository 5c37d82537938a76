// Clang thread-safety annotations (-Wthread-safety) and an annotated mutex.
//
// With clang the macros expand to the attributes of Clang's thread-safety
// analysis; with GCC to nothing. The asan build (scripts/test-sanitizers.sh,
// cmake/Sanitizers.cmake) compiles with -Wthread-safety -Werror=thread-safety,
// so a member marked SPIME_GUARDED_BY(mu_) read or written without mu_ held is
// a build error there.
//
//   class Counter {
//     Mutex mu_;
//     int n_ SPIME_GUARDED_BY(mu_) = 0;
//    public:
//     void add() SPIME_EXCLUDES(mu_) { MutexLock lock(mu_); ++n_; }
//   };
//
// Mutex wraps std::mutex as a "capability" the analysis can follow;
// MutexLock is its scoped lock (as std::lock_guard). Where a condition
// variable must wait on the lock, UniqueMutexLock holds a std::unique_lock
// (native()) that std::condition_variable accepts; the analysis treats the
// capability as held for the UniqueMutexLock's scope (wait() gives it back
// only while blocked), except between its own unlock() and lock(). A wait's
// predicate is a lambda, which the analysis reads alone: it starts with
// mu.assert_held() (the wait calls it with the lock held).
//
// Thread-safety: Mutex is a mutex; the locks belong to the thread that made them.
#pragma once

#include <pthread.h>
#include <time.h>

#include <chrono>
#include <mutex>
#include <shared_mutex>

#include "engine/base/tsan.h"

#if defined(__clang__)
#define SPIME_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SPIME_THREAD_ANNOTATION(x)
#endif

#define SPIME_CAPABILITY(name) SPIME_THREAD_ANNOTATION(capability(name))
#define SPIME_SCOPED_CAPABILITY SPIME_THREAD_ANNOTATION(scoped_lockable)
#define SPIME_GUARDED_BY(x) SPIME_THREAD_ANNOTATION(guarded_by(x))
#define SPIME_PT_GUARDED_BY(x) SPIME_THREAD_ANNOTATION(pt_guarded_by(x))
#define SPIME_ACQUIRED_AFTER(...) SPIME_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define SPIME_ACQUIRED_BEFORE(...) SPIME_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define SPIME_REQUIRES(...) SPIME_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define SPIME_REQUIRES_SHARED(...) SPIME_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define SPIME_ACQUIRE(...) SPIME_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define SPIME_ACQUIRE_SHARED(...) SPIME_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define SPIME_RELEASE(...) SPIME_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define SPIME_RELEASE_SHARED(...) SPIME_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define SPIME_RELEASE_GENERIC(...) SPIME_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define SPIME_TRY_ACQUIRE(...) SPIME_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define SPIME_EXCLUDES(...) SPIME_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define SPIME_ASSERT_CAPABILITY(x) SPIME_THREAD_ANNOTATION(assert_capability(x))
#define SPIME_RETURN_CAPABILITY(x) SPIME_THREAD_ANNOTATION(lock_returned(x))
#define SPIME_NO_THREAD_SAFETY_ANALYSIS SPIME_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace spime {

// std::mutex as a capability.
class SPIME_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() SPIME_ACQUIRE() { mu_.lock(); }
  void unlock() SPIME_RELEASE() { mu_.unlock(); }
  bool try_lock() SPIME_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // For the analysis only: states that the calling thread holds this mutex.
  void assert_held() const SPIME_ASSERT_CAPABILITY(this) {}

  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope (std::lock_guard).
class SPIME_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) SPIME_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() SPIME_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Holds `mu` for its scope as a std::unique_lock, for condition variables:
// cv.wait(lock.native(), ...).
class SPIME_SCOPED_CAPABILITY UniqueMutexLock {
 public:
  explicit UniqueMutexLock(Mutex& mu) SPIME_ACQUIRE(mu) : lock_(mu.native()) {}
  ~UniqueMutexLock() SPIME_RELEASE() {}
  UniqueMutexLock(const UniqueMutexLock&) = delete;
  UniqueMutexLock& operator=(const UniqueMutexLock&) = delete;

  // Gives the mutex back, and takes it again, within the scope.
  void unlock() SPIME_RELEASE() { lock_.unlock(); }
  void lock() SPIME_ACQUIRE() { lock_.lock(); }

  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

// std::timed_mutex as a capability (a lock that may be waited for a while).
class SPIME_CAPABILITY("mutex") TimedMutex {
 public:
  TimedMutex() = default;
  TimedMutex(const TimedMutex&) = delete;
  TimedMutex& operator=(const TimedMutex&) = delete;

  void lock() SPIME_ACQUIRE() { mu_.lock(); }
  void unlock() SPIME_RELEASE() { mu_.unlock(); }
  bool try_lock_for(std::chrono::milliseconds wait) SPIME_TRY_ACQUIRE(true) {
#ifdef SPIME_TSAN
    // libstdc++ waits with pthread_mutex_clocklock, which TSan 14 does not
    // intercept: it would miss the lock and call its unlock a misuse. Its
    // sanitized builds wait on the realtime clock instead.
    timespec until{};
    clock_gettime(CLOCK_REALTIME, &until);
    const auto ns = until.tv_nsec + std::chrono::nanoseconds(wait).count();
    until.tv_sec += static_cast<time_t>(ns / 1000000000);
    until.tv_nsec = static_cast<long>(ns % 1000000000);
    return pthread_mutex_timedlock(mu_.native_handle(), &until) == 0;
#else
    return mu_.try_lock_for(wait);
#endif
  }
  void assert_held() const SPIME_ASSERT_CAPABILITY(this) {}

 private:
  std::timed_mutex mu_;
};

// std::shared_mutex as a capability: many readers or one writer.
class SPIME_CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() SPIME_ACQUIRE() { mu_.lock(); }
  void unlock() SPIME_RELEASE() { mu_.unlock(); }
  void lock_shared() SPIME_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() SPIME_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds `mu` shared (a reader) for its scope (std::shared_lock).
class SPIME_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) SPIME_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() SPIME_RELEASE_GENERIC() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds `mu` exclusively (the writer) for its scope (std::unique_lock).
class SPIME_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) SPIME_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() SPIME_RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace spime
