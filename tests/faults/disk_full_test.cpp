// A full disk under `spime serve` (a small tmpfs, small_disk.h): a write
// that does not fit is answered with a clear error and acknowledges
// nothing; everything acknowledged before is kept; once space comes back the
// engine serves again by itself (it reopens its data directory,
// runtime/reopening_engine.h), and a restart finds the same state.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>

#include "tests/faults/fault_data.h"
#include "tests/faults/small_disk.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;
using spime::faults::SmallDisk;

namespace {

// Keeps each event's `v` under its number, and the numbers it kept.
const char* kFill = R"krl(
ruleset faults.fill {
  meta {
    shares count, kept
  }
  global {
    count = function() { ent:n.defaultsTo(0) }
    kept = function() { ent:data.defaultsTo({}).keys() }
  }
  rule fill {
    select when faults fill
    fired {
      ent:n := ent:n.defaultsTo(0) + 1;
      ent:data{[event:attr("k")]} := event:attr("v")
    }
  }
}
)krl";

}  // namespace

TEST_CASE("a full disk: a clear error, nothing acknowledged lost, served again once space returns",
          "[faults][disk]") {
  TempDir krl;
  krl.write("fill.krl", kFill);
  SpimeServer s;
  s.stop();
  SmallDisk disk(s.data_dir(), 160);
  s.start();
  INFO(s.output());
  install_ruleset(s, s.owner_eci(), file_url(krl.path() + "/fill.krl"), "faults.fill");

  // 2 MiB above the 64 MiB the store keeps free (--min-free-mb): a few
  // events of 200 KB each fit, then writes are refused before RocksDB could
  // meet ENOSPC.
  disk.fill_leaving(std::size_t{66} << 20);
  const std::string big = spime::faults::incompressible_text(200 * 1000, 12345);
  std::set<std::string> acknowledged;
  HttpResult refused;
  for (int i = 0; i < 300 && refused.status == 0; ++i) {  // bounded
    const std::string k = "k" + std::to_string(i);
    HttpResult r = s.event(s.owner_eci(), "faults", "fill", {{"k", k}, {"v", big}});
    if (r.status == 200) {
      acknowledged.insert(k);
    } else {
      refused = r;
    }
  }
  INFO("acknowledged " << acknowledged.size() << ", then " << describe(refused));
  if (refused.status != 507) FAIL(describe(refused) << "\n" << s.output());
  CHECK(refused.body.is_object());
  CHECK_THAT(refused.text, Catch::Matchers::Contains("disk full"));
  // While full, new events are refused the same way at once: nothing is
  // acknowledged that is not written.
  HttpResult again = s.event(s.owner_eci(), "faults", "fill", {{"k", "late"}, {"v", "x"}});
  CHECK((again.status == 507 || again.status == 503));

  // Space comes back: it serves again without a restart.
  disk.drop_ballast();
  HttpResult later;
  const bool served = eventually(
      [&] {
        later = s.event(s.owner_eci(), "faults", "fill", {{"k", "after"}, {"v", "x"}});
        return later.status == 200;
      },
      std::chrono::seconds(30));
  if (!served) FAIL(describe(later) << "\n" << s.output());
  CHECK_THAT(s.output(), Catch::Matchers::Contains("reopened"));

  auto kept = [&] {
    std::set<std::string> out;
    for (const auto& k : must_query(s, s.owner_eci(), "faults.fill", "kept")) {
      out.insert(k.get<std::string>());
    }
    return out;
  };
  std::set<std::string> now = kept();
  for (const std::string& k : acknowledged) CHECK(now.count(k) == 1);
  CHECK(now.count("after") == 1);

  // And a restart finds the same.
  s.restart();
  CHECK(kept() == now);
}
