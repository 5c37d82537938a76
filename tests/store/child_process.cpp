// The child side of the multi-process [store] tests. spawn_child() starts a fresh copy of this
// binary with the child's mode in the environment; a static initializer here sees it, does the
// child's work and ends the process (_exit) before Catch's main runs. In any other process it
// does nothing and the tests run as usual. (Not a test case: it asserts nothing itself; the
// parent's tests check what the child did.)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "engine/store/store.h"
#include "store_test_util.h"

using spime::store::Store;
using spime::store::WriteBatch;
namespace st = spime::store::testing;

namespace {

[[noreturn]] void child_open(const std::string& dir) {
  std::string error;
  auto store = Store::open(dir, {}, &error);
  if (store) {
    store.reset();
    ::_exit(st::kChildOpened);
  }
  std::fprintf(stderr, "child open: %s\n", error.c_str());
  ::_exit(error == "data directory " + dir + " is in use by another spime process"
              ? st::kChildInUse
              : st::kChildOtherError);
}

// Submits batches from several threads forever; after each acknowledgement writes the batch's
// key and a newline to fd (one write of < PIPE_BUF bytes: atomic). The parent SIGKILLs us.
[[noreturn]] void child_crash(const std::string& dir, int fd) {
  std::string error;
  auto store = Store::open(dir, {}, &error);
  if (!store) {
    std::fprintf(stderr, "child crash: %s\n", error.c_str());
    ::_exit(st::kChildOtherError);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, fd, t] {
      for (int i = 0;; ++i) {
        std::string key = "k/" + std::to_string(t) + "/" + std::to_string(i);
        WriteBatch b;
        b.put(key, "a");
        b.put(key + "/b", "b");
        auto done = [fd, key](bool ok, const std::string&) {
          if (!ok) return;
          std::string line = key + "\n";
          if (::write(fd, line.data(), line.size()) < 0) ::_exit(st::kChildOtherError);
        };
        while (!store->committer().try_submit(b, done)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ::_exit(st::kChildOtherError);  // unreachable: the loops never end
}

}  // namespace

// Runs before main(): a child started by spawn_child() never returns from here.
const bool kRanAsChild = [] {
  const char* mode = std::getenv(st::kChildModeEnv);
  const char* dir = std::getenv(st::kChildDirEnv);
  if (!mode || !dir) return false;
  std::string m(mode);
  if (m == "open") child_open(dir);
  if (m == "crash") {
    const char* fd = std::getenv(st::kChildFdEnv);
    child_crash(dir, fd ? std::atoi(fd) : -1);
  }
  ::_exit(st::kChildOtherError);
}();
