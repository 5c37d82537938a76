// Effectively-once delivery between two real `spime serve` processes on
// loopback (runtime/records/delivery_records.h): engine A's outbox posts an
// event to a pico of engine B, B runs it and answers 2xx, and A is killed
// (kill -9) before it deleted the event's record -- a window the test hook
// SPIME_TEST_OUTBOX_SETTLE_DELAY_MS widens to seconds. Restarted, A posts the
// event again with the same X-Spime-Sender / X-Spime-Event-Id, and B answers
// it without running it a second time. Then the same rules by hand: repeats
// (sequential, concurrent, across a kill -9 of the receiver), and headers B
// refuses. Every wait polls with a bounded deadline.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSender = R"krl(
ruleset it.delivery.sender {
  rule forward {
    select when delivery forward
    event:send({"eci": event:attr("eci"), "domain": "delivery", "name": "arrived",
                "attrs": {"n": event:attr("n")}},
               event:attr("host"))
  }
}
)krl";

// Every run appends: a second run of one event shows as a repeated number.
const char* kReceiver = R"krl(
ruleset it.delivery.receiver {
  meta { shares got }
  global { got = function() { ent:got.defaultsTo([]) } }
  rule arrived {
    select when delivery arrived
    always { ent:got := got().append(event:attr("n")) }
  }
}
)krl";

constexpr int kSettleDelayMs = 6000;

// Sets an environment variable for the servers started while it lives.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

json got(const SpimeServer& b, const std::string& receiver) {
  return must_query(b, receiver, "it.delivery.receiver", "got");
}

json outbox(const SpimeServer& a) {
  HttpResult r = a.get("/api/outbox");
  INFO(describe(r));
  REQUIRE(r.status == 200);
  return r.body;
}

std::string receiver_pico(SpimeServer& b, const TempDir& krl) {
  std::string receiver = new_child(b, b.owner_eci(), "receiver");
  install_ruleset(b, receiver, file_url(krl.write("receiver.krl", kReceiver)),
                  "it.delivery.receiver");
  return receiver;
}

// A POST as another engine's outbox makes it.
HttpResult deliver(const SpimeServer& b, const std::string& eci, int n, const std::string& sender,
                   const std::string& event_id, bool ack_processed = true) {
  std::vector<std::pair<std::string, std::string>> headers{{"X-Spime-Sender", sender},
                                                           {"X-Spime-Event-Id", event_id}};
  if (ack_processed) headers.emplace_back("X-Spime-Ack", "processed");
  return http_request(b.port(), "POST", "/c/" + eci + "/event/delivery/arrived",
                      json{{"n", n}}.dump(), "application/json", kHttpTimeout, headers);
}

}  // namespace

TEST_CASE("delivery: an event accepted just before a kill -9 of its sender runs once",
          "[integration][outbox][delivery]") {
  TempDir krl;
  SpimeServer b(ServerOptions{"", {"--port", std::to_string(free_loopback_port())}});
  std::string receiver = receiver_pico(b, krl);
  std::string host = b.url();

  // A waits kSettleDelayMs between B's 2xx and the delete of the record.
  std::optional<ScopedEnv> hook;
  hook.emplace("SPIME_TEST_OUTBOX_SETTLE_DELAY_MS", std::to_string(kSettleDelayMs));
  SpimeServer a(ServerOptions{"", {"--outbox-max-retry-ms", "500"}});
  hook.reset();  // the restarts below run without it
  REQUIRE_THAT(a.output(), Catch::Contains("test hook"));
  std::string sender = new_child(a, a.owner_eci(), "sender");
  install_ruleset(a, sender, file_url(krl.write("sender.krl", kSender)), "it.delivery.sender");
  auto send = [&](int n) {
    must_event(a, sender, "delivery", "forward", {{"eci", receiver}, {"n", n}, {"host", host}});
  };

  send(1);
  // B ran it (and answered A, whose record stays until the delay ends)...
  REQUIRE(eventually([&] { return got(b, receiver) == json::array({1}); }, 10s));
  // ...and A still holds it: kill it inside the window.
  json waiting = outbox(a);
  INFO(waiting.dump());
  REQUIRE(waiting.at("waiting") == 1);
  a.kill9();

  a.start();
  CHECK_THAT(a.output(), Catch::Contains("1 event(s) waiting for 1 destination(s)"));
  // The restarted A posts it again, B accepts it, A's outbox empties...
  REQUIRE(eventually([&] { return outbox(a).at("waiting") == 0; }, 20s));
  CHECK(outbox(a).at("delivered") == 1);
  // ...and B did not run it again.
  CHECK(got(b, receiver) == json::array({1}));
  CHECK_THAT(b.output(), Catch::Contains("was accepted before: answered, not run again"));

  // Events sent after the restart have ids of their own: none is taken for a repeat.
  send(2);
  send(3);
  INFO(a.output() << "\n" << b.output());
  REQUIRE(eventually([&] { return got(b, receiver).size() >= 3; }, 20s));
  CHECK(got(b, receiver) == json::array({1, 2, 3}));
  // The same after a graceful restart of A with nothing waiting.
  a.restart();
  send(4);
  REQUIRE(eventually([&] { return got(b, receiver).size() >= 4; }, 20s));
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4}));
}

TEST_CASE("delivery: kill -9 cycles of a busy sender: each event arrives once, in order",
          "[integration][outbox][delivery]") {
  TempDir krl;
  SpimeServer b;
  std::string receiver = receiver_pico(b, krl);
  std::string host = b.url();
  // Every restart of A keeps a 150 ms window between a 2xx and its delete: most kills land in
  // one (the issue saw 4 duplicates in 15 kills with a window of milliseconds).
  ScopedEnv hook("SPIME_TEST_OUTBOX_SETTLE_DELAY_MS", "150");
  SpimeServer a(ServerOptions{"", {"--outbox-max-retry-ms", "500"}});
  std::string sender = new_child(a, a.owner_eci(), "sender");
  install_ruleset(a, sender, file_url(krl.write("sender.krl", kSender)), "it.delivery.sender");

  constexpr int kCycles = 6, kPerCycle = 8;
  int n = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    for (int i = 0; i < kPerCycle; ++i) {
      ++n;  // answered: the event is durable in A's outbox
      must_event(a, sender, "delivery", "forward", {{"eci", receiver}, {"n", n}, {"host", host}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + 60 * cycle));
    a.kill9();
    a.start();
  }
  REQUIRE(eventually([&] { return outbox(a).at("waiting") == 0; }, 60s));
  json expected = json::array();
  for (int i = 1; i <= n; ++i) expected.push_back(i);
  json g = got(b, receiver);
  INFO(b.output());
  CHECK(g == expected);  // none lost, none twice, in order
  // The kills did land in the window: B answered copies without running them.
  std::string out = b.output();
  int repeats = 0;
  for (size_t at = out.find("was accepted before"); at != std::string::npos;
       at = out.find("was accepted before", at + 1)) {
    ++repeats;
  }
  CHECK(repeats >= 1);
}

TEST_CASE("delivery: a receiver runs each (sender, event id) once and answers every copy",
          "[integration][outbox][delivery]") {
  TempDir krl;
  SpimeServer b;
  std::string receiver = receiver_pico(b, krl);

  HttpResult first = deliver(b, receiver, 1, "engineA", "7");
  REQUIRE(first.status == 200);
  CHECK(first.body.is_string());
  CHECK(got(b, receiver) == json::array({1}));
  // A repeat: the same answer's shape, not run.
  HttpResult again = deliver(b, receiver, 1, "engineA", "7");
  CHECK(again.status == 200);
  CHECK(again.body.is_string());
  CHECK(got(b, receiver) == json::array({1}));
  // Another id, or the same id from another engine: new events.
  CHECK(deliver(b, receiver, 2, "engineA", "8").status == 200);
  CHECK(deliver(b, receiver, 3, "engineB", "7").status == 200);
  CHECK(got(b, receiver) == json::array({1, 2, 3}));

  // Copies racing each other: all answered, one runs (the pico's FIFO decides).
  std::vector<std::future<HttpResult>> copies;
  for (int i = 0; i < 8; ++i) {
    copies.push_back(
        std::async(std::launch::async, [&] { return deliver(b, receiver, 4, "engineA", "9"); }));
  }
  for (auto& c : copies) CHECK(c.get().status == 200);
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4}));
  // Without X-Spime-Ack (answered when queued) a repeat is not run either.
  CHECK(deliver(b, receiver, 4, "engineA", "9", /*ack_processed=*/false).status == 200);
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4}));

  // What B accepted survives a kill -9 of B.
  b.kill9();
  b.start();
  CHECK(deliver(b, receiver, 1, "engineA", "7").status == 200);
  CHECK(deliver(b, receiver, 4, "engineA", "9").status == 200);
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4}));
  CHECK(deliver(b, receiver, 5, "engineA", "10").status == 200);
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4, 5}));

  // Headers B cannot read are refused, and nothing runs.
  HttpResult bad = deliver(b, receiver, 6, "engineA", "ten");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.text, Catch::Contains("X-Spime-Event-Id"));
  CHECK(deliver(b, receiver, 6, "engine A", "11").status == 400);
  HttpResult half = http_request(b.port(), "POST", "/c/" + receiver + "/event/delivery/arrived",
                                 json{{"n", 6}}.dump(), "application/json", kHttpTimeout,
                                 {{"X-Spime-Event-Id", "11"}});
  CHECK(half.status == 400);
  CHECK(got(b, receiver) == json::array({1, 2, 3, 4, 5}));
}
