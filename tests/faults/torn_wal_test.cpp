// A torn write-ahead log after a crash: garbage after the last record (a
// write cut short by the crash) or the last record itself cut. The engine
// starts with every acknowledged event whose record is whole, and what it
// serves is one consistent prefix of what happened, never a mix.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;
namespace fs = std::filesystem;

namespace {

// Each event's `k` is kept, and a count of them: the two must agree.
const char* kCount = R"krl(
ruleset faults.count {
  meta {
    shares state
  }
  global {
    state = function() { { "n": ent:n.defaultsTo(0), "keys": ent:seen.defaultsTo({}).keys() } }
  }
  rule count {
    select when faults count
    fired {
      ent:n := ent:n.defaultsTo(0) + 1;
      ent:seen{[event:attr("k")]} := true
    }
  }
}
)krl";

// The newest write-ahead log file of a RocksDB directory.
fs::path newest_wal(const std::string& dir) {
  fs::path newest;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log" &&
        (newest.empty() || e.path().filename() > newest.filename()))
      newest = e.path();
  }
  REQUIRE(!newest.empty());
  return newest;
}

std::set<std::string> post_numbered(const SpimeServer& s, int from, int to) {
  std::set<std::string> acknowledged;
  for (int i = from; i < to; ++i) {
    const std::string k = "k" + std::to_string(i);
    HttpResult r = s.event(s.owner_eci(), "faults", "count", {{"k", k}});
    INFO(describe(r));
    REQUIRE(r.status == 200);
    acknowledged.insert(k);
  }
  return acknowledged;
}

struct Counted {
  std::size_t n = 0;
  std::set<std::string> keys;
};

Counted counted(const SpimeServer& s) {
  json st = must_query(s, s.owner_eci(), "faults.count", "state");
  Counted c;
  c.n = st.at("n").get<std::size_t>();
  for (const auto& k : st.at("keys")) c.keys.insert(k.get<std::string>());
  return c;
}

}  // namespace

TEST_CASE("a torn WAL tail: every acknowledged event is there after the restart", "[faults][wal]") {
  TempDir krl;
  krl.write("count.krl", kCount);
  SpimeServer s;
  install_ruleset(s, s.owner_eci(), file_url(krl.path() + "/count.krl"), "faults.count");
  std::set<std::string> acknowledged = post_numbered(s, 0, 40);
  s.kill9();

  // A record half written when the machine went down: bytes after the last
  // whole one.
  const fs::path wal = newest_wal(s.data_dir());
  {
    std::ofstream out(wal, std::ios::binary | std::ios::app);
    for (int i = 0; i < 1000; ++i) out.put(static_cast<char>((i * 131 + 7) & 0xFF));
  }
  s.start();
  INFO(s.output());
  Counted c = counted(s);
  CHECK(c.n == acknowledged.size());
  CHECK(c.keys == acknowledged);
  // And it goes on.
  post_numbered(s, 40, 45);
  CHECK(counted(s).n == 45);
}

TEST_CASE("a WAL whose last record is cut: a consistent prefix, or a refusal to start",
          "[faults][wal]") {
  TempDir krl;
  krl.write("count.krl", kCount);
  SpimeServer s;
  install_ruleset(s, s.owner_eci(), file_url(krl.path() + "/count.krl"), "faults.count");
  std::set<std::string> acknowledged = post_numbered(s, 0, 30);
  s.kill9();
  const fs::path wal = newest_wal(s.data_dir());
  const auto size = fs::file_size(wal);
  REQUIRE(size > 16);
  fs::resize_file(wal, size - 9);  // inside the last record

  bool started = true;
  try {
    s.start();
  } catch (const std::runtime_error& e) {
    started = false;
    // Refusing is allowed only with a message that says why.
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("orrupt"));
  }
  if (!started) return;
  INFO(s.output());
  Counted c = counted(s);
  // One consistent prefix: the count and the keys agree, nothing unknown,
  // and at most the cut event is missing.
  CHECK(c.n == c.keys.size());
  for (const std::string& k : c.keys) CHECK(acknowledged.count(k) == 1);
  CHECK(c.n + 1 >= acknowledged.size());
  post_numbered(s, 100, 103);
  CHECK(counted(s).n == c.n + 3);
}
