#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <string>

#include "engine/store/store.h"
#include "store_test_util.h"

using spime::store::Store;
namespace st = spime::store::testing;

TEST_CASE("store: every acknowledged batch survives SIGKILL of the writer", "[store]") {
  st::TempDir tmp;
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  pid_t pid = st::spawn_child("crash", tmp.path(), fds[1]);
  REQUIRE(pid > 0);
  ::close(fds[1]);

  // Read acknowledgements until enough have streamed by, then kill the child mid-stream.
  constexpr size_t kKillAfter = 400;
  std::string buffer;
  std::set<std::string> acked;
  bool killed = false;
  char chunk[4096];
  while (true) {
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is gone (its end closed)
    buffer.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      acked.insert(buffer.substr(0, nl));
      buffer.erase(0, nl + 1);
    }
    if (!killed && acked.size() >= kKillAfter) {
      ::kill(pid, SIGKILL);
      killed = true;  // keep reading: acks written before death are still in the pipe
    }
  }
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(killed);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(buffer.empty());  // lines are written whole

  // The lock died with the child; every acknowledged batch is there, whole.
  std::string error;
  auto store = Store::open(tmp.path(), {}, &error);
  INFO(error);
  REQUIRE(store);
  for (const std::string& key : acked) {
    INFO(key);
    REQUIRE(store->get(key, nullptr));
    REQUIRE(store->get(key + "/b", nullptr));
  }
  // Batches are atomic even when unacknowledged: no half-written batch.
  size_t halves = 0, wholes = 0;
  store->scan("k/", [&](std::string_view k, std::string_view) {
    std::string key(k);
    if (key.size() > 2 && key.compare(key.size() - 2, 2, "/b") == 0) {
      ++halves;
      CHECK(store->get(key.substr(0, key.size() - 2), nullptr));
    } else {
      ++wholes;
      CHECK(store->get(key + "/b", nullptr));
    }
    return true;
  });
  CHECK(halves == wholes);
  CHECK(wholes >= acked.size());
}
