// The durable outbox between two real `spime serve` processes on loopback,
// each with its own data directory: engine A's pico sends events with
// `event:send(..., host = <B's URL>)` to a pico of engine B, which appends
// each event's "n" to an entity variable. B down for a while, A killed with
// events waiting, a permanent refusal from B, and a full outbox. Every wait
// polls with a bounded deadline.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSender = R"krl(
ruleset it.outbox.sender {
  meta { shares sent }
  global { sent = function() { ent:sent.defaultsTo([]) } }
  rule forward {
    select when outbox forward
    event:send({"eci": event:attr("eci"), "domain": "outbox", "name": "arrived",
                "attrs": {"n": event:attr("n")}},
               event:attr("host"))
    always { ent:sent := sent().append(event:attr("n")) }
  }
  // Sends, then fails in a raised event: the whole schedule rolls back.
  rule forward_then_fail {
    select when outbox forward_then_fail
    event:send({"eci": event:attr("eci"), "domain": "outbox", "name": "arrived",
                "attrs": {"n": event:attr("n")}},
               event:attr("host"))
    fired { raise outbox event "boom" }
  }
  rule boom {
    select when outbox boom
    pre { result = event:attr("not_a_function")(1) }
    send_directive("unreachable", {"result": result})
  }
}
)krl";

const char* kReceiver = R"krl(
ruleset it.outbox.receiver {
  meta { shares got }
  global { got = function() { ent:got.defaultsTo([]) } }
  rule arrived {
    select when outbox arrived
    always { ent:got := got().append(event:attr("n")) }
  }
}
)krl";

// A sends to B: A's sender pico, B's receiver pico, and B's URL.
struct Pair {
  TempDir krl;
  unsigned short b_port = free_loopback_port();
  SpimeServer a;
  SpimeServer b;
  std::string sender, receiver, host;

  explicit Pair(std::vector<std::string> a_args = {})
      : a(ServerOptions{"", with_retry(std::move(a_args))}),
        b(ServerOptions{"", {"--port", std::to_string(b_port)}}) {
    sender = new_child(a, a.owner_eci(), "sender");
    install_ruleset(a, sender, file_url(krl.write("sender.krl", kSender)), "it.outbox.sender");
    receiver = new_child(b, b.owner_eci(), "receiver");
    install_ruleset(b, receiver, file_url(krl.write("receiver.krl", kReceiver)),
                    "it.outbox.receiver");
    host = b.url();
    REQUIRE(b.port() == b_port);
  }

  // Retries at most a second apart, so B's return is noticed quickly.
  static std::vector<std::string> with_retry(std::vector<std::string> args) {
    args.insert(args.end(), {"--outbox-max-retry-ms", "1000"});
    return args;
  }

  HttpResult send(int n, const std::string& eci = "") {
    return a.event(sender, "outbox", "forward",
                   {{"eci", eci.empty() ? receiver : eci}, {"n", n}, {"host", host}});
  }
  void must_send(int n, const std::string& eci = "") {
    HttpResult r = send(n, eci);
    INFO("send " << n << " -> " << describe(r));
    REQUIRE(r.status == 200);
  }
  json got() { return must_query(b, receiver, "it.outbox.receiver", "got"); }
  json outbox() {
    HttpResult r = a.get("/api/outbox");
    INFO(describe(r));
    REQUIRE(r.status == 200);
    REQUIRE(r.body.is_object());
    return r.body;
  }
  // Waits until B got `n` events and A's outbox is empty; returns what B got.
  json wait_delivered(size_t n, std::chrono::seconds limit = std::chrono::seconds(30)) {
    json g;
    bool done = eventually(
        [&] {
          g = got();
          return g.size() >= n && outbox().at("waiting") == 0;
        },
        limit);
    INFO("B got " << g.dump() << "; A's outbox " << outbox().dump() << "\n" << a.output());
    REQUIRE(done);
    return g;
  }
};

json numbers(int from, int to) {
  json out = json::array();
  for (int i = from; i <= to; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("outbox: events sent while the other engine is down arrive once, in order",
          "[integration][outbox]") {
  Pair p;
  p.b.stop();
  auto down_since = std::chrono::steady_clock::now();
  constexpr int kEvents = 10;
  for (int n = 1; n <= kEvents; ++n) p.must_send(n);  // each answered: its record is durable
  CHECK(p.a.get(std::string("/api/outbox")).status == 200);

  // B stays down about 10 s; A keeps trying, and says so.
  json waiting;
  bool retried = eventually(
      [&] {
        waiting = p.outbox();
        return waiting.at("destinations").size() == 1 &&
               waiting.at("destinations")[0].at("attempts").get<int>() >= 3;
      },
      std::chrono::seconds(15));
  INFO(waiting.dump());
  REQUIRE(retried);
  CHECK(waiting.at("waiting") == kEvents);
  json d = waiting.at("destinations")[0];
  CHECK(d.at("host") == p.host);
  CHECK(d.at("eci") == p.receiver);
  CHECK(d.at("waiting") == kEvents);
  CHECK(d.at("lastError").get<std::string>().find("cannot connect") != std::string::npos);
  CHECK(d.at("oldestAgeMs").get<double>() >= 0);
  std::this_thread::sleep_until(down_since + std::chrono::seconds(10));

  p.b.start();
  json got = p.wait_delivered(kEvents);
  CHECK(got == numbers(1, kEvents));
  CHECK(p.outbox().at("delivered") == kEvents);
  CHECK(p.outbox().at("destinations").empty());
  // Nothing comes twice: a later event arrives after exactly these.
  p.must_send(kEvents + 1);
  CHECK(p.wait_delivered(kEvents + 1) == numbers(1, kEvents + 1));
}

TEST_CASE("outbox: kill -9 with events waiting loses and duplicates nothing",
          "[integration][outbox]") {
  Pair p;
  p.must_send(1);
  CHECK(p.wait_delivered(1) == numbers(1, 1));
  p.b.stop();
  for (int n = 2; n <= 6; ++n) p.must_send(n);
  p.a.kill9();
  p.a.start();
  // The restarted A still holds them, in its store...
  json after = p.outbox();
  CHECK(after.at("waiting") == 5);
  CHECK_THAT(p.a.output(), Catch::Contains("5 event(s) waiting for 1 destination(s)"));
  // ...and keeps the order with what is sent after the restart.
  p.must_send(7);
  p.b.start();
  CHECK(p.wait_delivered(7) == numbers(1, 7));

  // A graceful stop with events waiting keeps them too.
  p.b.stop();
  p.must_send(8);
  p.a.restart();
  CHECK(p.outbox().at("waiting") == 1);
  p.b.start();
  CHECK(p.wait_delivered(8) == numbers(1, 8));
}

TEST_CASE("outbox: a 4xx drops that event only, a rolled-back schedule sends nothing",
          "[integration][outbox]") {
  Pair p;
  p.must_send(1, "no-such-eci");
  p.must_send(2);
  HttpResult failed = p.a.event(p.sender, "outbox", "forward_then_fail",
                                {{"eci", p.receiver}, {"n", 99}, {"host", p.host}});
  INFO(describe(failed));
  CHECK(failed.status == 500);
  p.must_send(3, "no-such-eci");
  p.must_send(4);
  CHECK(p.wait_delivered(2) == json::array({2, 4}));
  CHECK(p.outbox().at("dropped") == 2);
  CHECK(p.outbox().at("delivered") == 2);
  CHECK_THAT(
      p.a.output(),
      Catch::Contains("/c/no-suc\u2026/event/outbox/arrived: dropped, refused for good: 404"));
}

TEST_CASE("outbox: a full outbox refuses the sending event with 503 and keeps its writes out",
          "[integration][outbox]") {
  Pair p({"--outbox-capacity", "3"});
  p.b.stop();
  for (int n = 1; n <= 3; ++n) p.must_send(n);
  HttpResult refused = p.send(4);
  INFO(describe(refused));
  CHECK(refused.status == 503);
  CHECK(refused.header("Retry-After") == "1");
  CHECK(refused.text.find("outbox") != std::string::npos);
  // The refused schedule wrote nothing.
  CHECK(must_query(p.a, p.sender, "it.outbox.sender", "sent") == numbers(1, 3));
  json box = p.outbox();
  CHECK(box.at("capacity") == 3);
  CHECK(box.at("waiting") == 3);
  REQUIRE(box.at("destinations").size() == 1);
  CHECK(box.at("destinations")[0].at("waiting") == 3);
  CHECK(box.at("destinations")[0].at("eci") == p.receiver);

  p.b.start();
  CHECK(p.wait_delivered(3) == numbers(1, 3));
  p.must_send(5);  // room again
  CHECK(p.wait_delivered(4) == json::array({1, 2, 3, 5}));
  CHECK(must_query(p.a, p.sender, "it.outbox.sender", "sent") == json::array({1, 2, 3, 5}));
}

TEST_CASE("outbox: a spime receiver acknowledges an event once it is processed and durable",
          "[integration][outbox]") {
  TempDir krl;
  SpimeServer b;
  std::string receiver = new_child(b, b.owner_eci(), "receiver");
  install_ruleset(b, receiver, file_url(krl.write("receiver.krl", kReceiver)),
                  "it.outbox.receiver");
  install_ruleset(b, receiver, file_url(krl.write("sender.krl", kSender)), "it.outbox.sender");
  auto post = [&](const std::string& name, int n) {
    return http_request(b.port(), "POST", "/c/" + receiver + "/event/outbox/" + name,
                        json{{"n", n}}.dump(), "application/json", kHttpTimeout,
                        {{"X-Spime-Ack", "processed"}});
  };
  // Answered after the schedule ran: the write is there at once, no polling.
  HttpResult r = post("arrived", 1);
  REQUIRE(r.status == 200);
  CHECK(r.body.is_string());
  CHECK(must_query(b, receiver, "it.outbox.receiver", "got") == json::array({1}));
  // Its rules failed: processed all the same (200), so an outbox does not send it again.
  r = post("boom", 2);
  CHECK(r.status == 200);
  CHECK(r.body.at("eid").is_null());
  CHECK_THAT(r.body.at("error").get<std::string>(), Catch::Contains("rule boom"));
  // Refusals stay refusals.
  r = http_request(b.port(), "POST", "/c/nosuchecinosuchecinosuch/event/outbox/arrived", "{}",
                   "application/json", kHttpTimeout, {{"X-Spime-Ack", "processed"}});
  CHECK(r.status == 404);
  // Without the header, the reference's answer: the eid at once.
  CHECK(b.post("/c/" + receiver + "/event/outbox/arrived", json{{"n", 3}}.dump()).status == 200);
}
