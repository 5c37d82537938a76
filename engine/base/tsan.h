// What ThreadSanitizer cannot see by itself, told to it. SPIME_TSAN is
// defined in TSan builds (GCC or clang).
//
// Hand-offs through CAF:
// CAF 0.17 comes from Debian without TSan instrumentation: a message's trip
// from the sending thread to the actor's worker thread goes through the
// mailbox's atomics inside libcaf_core.so, which TSan does not observe. It
// then reports every object the sender wrote before the send and the actor
// reads afterwards as a data race. The sender calls tsan_release(key) just
// before the send and the actor calls tsan_acquire(key) first thing in its
// handler, with the same key (any stable address, e.g. the actor's handle):
// TSan then orders the two as the mailbox really does.
//
// Free, and nothing at all, in builds without TSan. Any thread may call them.
// (engine/base/thread_annotations.h's TimedMutex has the other blind spot:
// pthread_mutex_clocklock, which TSan 14 does not intercept.)
#pragma once

#if defined(__SANITIZE_THREAD__)
#define SPIME_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SPIME_TSAN 1
#endif
#endif

#ifdef SPIME_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace spime {

inline void tsan_release(const void* key) {
#ifdef SPIME_TSAN
  __tsan_release(const_cast<void*>(key));
#else
  (void)key;
#endif
}

inline void tsan_acquire(const void* key) {
#ifdef SPIME_TSAN
  __tsan_acquire(const_cast<void*>(key));
#else
  (void)key;
#endif
}

}  // namespace spime
