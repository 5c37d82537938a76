// A corrupt table file (an SST whose bytes changed on disk while the engine
// was stopped): the engine refuses to start with a message that says so, or
// answers errors; it never serves wrong data as if it were right.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/faults/fault_data.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;
namespace fs = std::filesystem;

namespace {

const char* kKeep = R"krl(
ruleset faults.keep {
  meta {
    shares state
  }
  global {
    state = function() { { "n": ent:n.defaultsTo(0), "keys": ent:kept.defaultsTo({}).keys() } }
  }
  rule keep {
    select when faults keep
    fired {
      ent:n := ent:n.defaultsTo(0) + 1;
      ent:kept{[event:attr("k")]} := event:attr("v")
    }
  }
}
)krl";

fs::path largest_sst(const std::string& dir) {
  fs::path largest;
  std::uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".sst" && e.file_size() > size) {
      largest = e.path();
      size = e.file_size();
    }
  }
  return largest;
}

}  // namespace

TEST_CASE("a corrupt SST: a refusal to start that says so, never wrong data", "[faults][sst]") {
  TempDir krl;
  krl.write("keep.krl", kKeep);
  SpimeServer s;
  install_ruleset(s, s.owner_eci(), file_url(krl.path() + "/keep.krl"), "faults.keep");
  std::set<std::string> acknowledged;
  for (int i = 0; i < 300; ++i) {
    const std::string v = spime::faults::incompressible_text(1000, static_cast<std::uint32_t>(i));
    const std::string k = "k" + std::to_string(i);
    HttpResult r = s.event(s.owner_eci(), "faults", "keep", {{"k", k}, {"v", v}});
    REQUIRE(r.status == 200);
    acknowledged.insert(k);
  }
  // Two restarts: the log is replayed into table files.
  s.restart();
  s.stop();
  const fs::path sst = largest_sst(s.data_dir());
  REQUIRE(!sst.empty());
  {
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(sst) / 3));
    for (int i = 0; i < 64; ++i) f.put(static_cast<char>(0x5A ^ i));
  }

  bool started = true;
  try {
    s.start();
  } catch (const std::runtime_error& e) {
    started = false;
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("orrupt"));
  }
  if (!started) return;
  // Served: then every answer is right or an error.
  INFO(s.output());
  HttpResult q = s.query(s.owner_eci(), "faults.keep", "state");
  if (q.status == 200) {
    std::set<std::string> keys;
    for (const auto& k : q.body.at("keys")) keys.insert(k.get<std::string>());
    CHECK(keys == acknowledged);
    CHECK(q.body.at("n") == acknowledged.size());
  } else {
    CHECK(q.body.is_object());
  }
}
