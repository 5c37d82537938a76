// Bounded queues: a pico flooded with events answers 503 + Retry-After as
// soon as its queue is full, instead of queueing without end or hanging;
// other picos keep answering.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

// Each event costs a few milliseconds of evaluation, so that a flood of
// fire-and-forget events (/c/:eci/event answers once queued) outruns it.
const char* kSlow = R"krl(
ruleset it.slow {
  rule work {
    select when slow work
    pre {
      total = 1.range(event:attr("n").as("Number")).reduce(function(a, b) { a + b })
    }
    send_directive("worked", {"total": total})
  }
}
)krl";

}  // namespace

TEST_CASE("a flooded pico answers 503 with Retry-After once its queue is full", "[integration]") {
  TempDir krl;
  ServerOptions options;
  options.extra_args = {"--pico-queue-limit", "16"};
  SpimeServer server(options);
  std::string busy = new_child(server, server.owner_eci(), "busy");
  install_ruleset(server, busy, file_url(krl.write("it.slow.krl", kSlow)), "it.slow");
  // The rule really works (and what it costs is bounded by the step limit).
  CHECK(directive_names(must_event(server, busy, "slow", "work", {{"n", 10}})) ==
        std::vector<std::string>{"worked"});

  // The pico's queue holds 16 requests (--pico-queue-limit 16); each event
  // takes milliseconds, so 4 senders overflow it quickly.
  constexpr int kSenders = 4;
  constexpr int kMaxRequests = 500;  // per sender
  std::atomic<bool> refused{false};
  std::atomic<int> queued{0};
  std::mutex mu;
  HttpResult first_refusal;
  std::chrono::milliseconds slowest{0};
  std::vector<std::string> unexpected;
  std::vector<std::thread> senders;
  unsigned short port = server.port();
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < kMaxRequests && !refused.load(); ++i) {
        auto started = std::chrono::steady_clock::now();
        HttpResult r = http_request(port, "POST", "/c/" + busy + "/event/slow/work",
                                    R"({"n": 50000})", "application/json", std::chrono::seconds(5));
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        std::lock_guard<std::mutex> lock(mu);
        slowest = std::max(slowest, took);
        if (r.status == 200) {
          ++queued;
        } else if (r.status == 503) {
          if (!refused.exchange(true)) first_refusal = r;
        } else {
          unexpected.push_back(describe(r));
          return;
        }
      }
    });
  }
  for (auto& s : senders) s.join();

  INFO("queued " << queued.load() << ", slowest answer " << slowest.count() << " ms");
  CHECK(unexpected.empty());
  REQUIRE(refused.load());
  CHECK(first_refusal.header("Retry-After") == "1");
  CHECK(first_refusal.body.value("error", "").find("busy") != std::string::npos);
  CHECK(queued.load() >= 16);                // the queue held its 16 before refusing
  CHECK(slowest < std::chrono::seconds(2));  // refusals come at once, nothing hangs

  // Waiting routes are refused the same way: fill the queue again, then wait.
  // (The pico drains as it is filled: on a busy machine one filling may not
  // reach 16 waiting, so a few rounds are allowed, bounded.)
  HttpResult wait;
  for (int round = 0; round < 20 && wait.status != 503; ++round) {
    for (int i = 0; i < 32; ++i) {
      http_request(port, "POST", "/c/" + busy + "/event/slow/work", R"({"n": 50000})",
                   "application/json", std::chrono::seconds(5));
    }
    wait = server.event(busy, "slow", "work", {{"n", 1}});
  }
  CHECK(wait.status == 503);
  CHECK(wait.header("Retry-After") == "1");

  // Other picos are not held up by the busy one.
  auto started = std::chrono::steady_clock::now();
  CHECK(must_query(server, server.owner_eci(), kWrangler, "installedRIDs").size() >= 1);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));

  // Slow events are still queued: do not wait for them.
  server.kill9();
}
