// Helpers shared by the [store] tests: temporary directories, a countdown latch, and running
// this test binary again as a child process (a fresh process, not a bare fork of a threaded one).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "engine/store/store.h"
#include "tests/temp_dir.h"

namespace spime::store::testing {

using spime::testing::TempDir;

// Opens the store in `dir`, failing the test (with the store's error) when it cannot.
std::unique_ptr<Store> open_ok(const std::string& dir, Store::Options options = {});

class Latch {
 public:
  explicit Latch(size_t count) : count_(count) {}
  void count_down() {
    std::lock_guard<std::mutex> lock(mu_);
    if (count_ > 0 && --count_ == 0) cv_.notify_all();
  }
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;
};

// Environment variables that make a copy of the test binary run as a child (child_process.cpp).
inline constexpr const char* kChildModeEnv = "SPIME_STORE_CHILD_MODE";
inline constexpr const char* kChildDirEnv = "SPIME_STORE_CHILD_DIR";
inline constexpr const char* kChildFdEnv = "SPIME_STORE_CHILD_FD";

// Exit codes of the "open" child.
inline constexpr int kChildOpened = 0;
inline constexpr int kChildInUse = 3;
inline constexpr int kChildOtherError = 4;

// Forks and execs this binary running only the hidden child test case in `mode` on `dir`.
// `keep_fd` (if >= 0) stays open in the child and its number is passed in kChildFdEnv.
// The child's stdout goes to /dev/null. Returns the child's pid (or -1).
pid_t spawn_child(const std::string& mode, const std::string& dir, int keep_fd = -1);
// Waits for the child; its exit code, or -1 when it did not exit normally.
int wait_exit_code(pid_t pid);

}  // namespace spime::store::testing
