// Durable local delivery (runtime/records/local_delivery_records.h): an
// event:send to a pico of the same engine is kept in the store from its
// sender's commit until its receiver's. The receiver is held inside an
// http:get to a loopback server that does not answer, so the events sent to
// it wait in its inbox when the engine is killed (kill -9) after the
// senders' answers; restarted, the engine runs them once, in order. Also: a
// delivered event leaves no record, and one whose receiver fails or is not
// there is not posted again at the next start. Every wait is bounded.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <string_view>
#include <thread>

#include "engine/store/store.h"
#include "tests/integration/loopback_http_server.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSender = R"krl(
ruleset it.local.sender {
  rule send {
    select when local send
    event:send({"eci": event:attr("eci"), "domain": "local",
                "name": event:attr("name").defaultsTo("arrived"), "attrs": {"n": event:attr("n")}})
  }
}
)krl";

// `hold` waits in an http:get; every `arrived` appends its n (a second run
// shows as a repeated number); `broken` fails its schedule.
const char* kReceiver = R"krl(
ruleset it.local.receiver {
  meta { shares got }
  global {
    got = function() { ent:got.defaultsTo([]) }
    boom = function() { f = 3; f(1) }
  }
  rule hold {
    select when local hold
    pre { resp = http:get(event:attr("url")) }
  }
  rule arrived {
    select when local arrived
    always { ent:got := got().append(event:attr("n")) }
  }
  rule broken {
    select when local broken
    always { ent:got := boom() }
  }
}
)krl";

struct Picos {
  std::string sender, receiver;
};

Picos make_picos(const SpimeServer& s, const TempDir& krl) {
  Picos p;
  p.sender = new_child(s, s.owner_eci(), "sender");
  p.receiver = new_child(s, s.owner_eci(), "receiver");
  install_ruleset(s, p.sender, file_url(krl.write("sender.krl", kSender)), "it.local.sender");
  install_ruleset(s, p.receiver, file_url(krl.write("receiver.krl", kReceiver)),
                  "it.local.receiver");
  return p;
}

json got(const SpimeServer& s, const Picos& p) {
  return must_query(s, p.receiver, "it.local.receiver", "got");
}

void send(const SpimeServer& s, const std::string& from, const std::string& to, int n,
          const std::string& name = "arrived") {
  must_event(s, from, "local", "send", {{"eci", to}, {"n", n}, {"name", name}});
}

// The local delivery records (v/) in a stopped server's store.
size_t local_records(const SpimeServer& server) {
  REQUIRE_FALSE(server.running());
  std::string error;
  auto store = spime::store::Store::open(server.data_dir(), {}, &error);
  INFO(error);
  REQUIRE(store);
  size_t n = 0;
  store->scan("v/", [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

}  // namespace

TEST_CASE("local delivery: event:sends waiting at a held receiver survive a kill -9, once each",
          "[integration][local-delivery]") {
  TempDir krl;
  // Holds each request until released (bounded: the server joins its threads).
  std::atomic<bool> release{false};
  std::atomic<int> held{0};
  LoopbackHttpServer peer([&](const LoopbackHttpServer::Request&, LoopbackHttpServer::Response&) {
    ++held;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(12);
    while (!release.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::string url = "http://127.0.0.1:" + std::to_string(peer.port()) + "/hold";

  SpimeServer server;
  Picos p = make_picos(server, krl);
  // The receiver runs `hold` (its answer never comes: the engine is killed first).
  auto holding = std::async(std::launch::async, [&] {
    return http_request(server.port(), "POST", "/sky/event/" + p.receiver + "/none/local/hold",
                        json{{"url", url}}.dump(), "application/json", std::chrono::seconds(15));
  });
  REQUIRE(eventually([&] { return held.load() == 1; }, std::chrono::seconds(10)));
  // Acknowledged sends: committed at the sender, queued behind `hold` at the receiver.
  send(server, p.sender, p.receiver, 1);
  send(server, p.sender, p.receiver, 2);
  send(server, p.sender, p.receiver, 3);
  server.kill9();
  release = true;
  CHECK(holding.get().status == 0);  // no answer: the engine died holding it

  server.start();
  INFO(server.output());
  CHECK_THAT(server.output(), Catch::Contains("3 event:send(s) owed since the last run"));
  REQUIRE(eventually([&] { return got(server, p) == json::array({1, 2, 3}); }, 10s));
  // Nothing is owed any more: a clean stop leaves no record, a start posts nothing again.
  CHECK(server.stop() == 0);
  CHECK(local_records(server) == 0);
  server.start();
  CHECK_THAT(server.output(), !Catch::Contains("owed since the last run"));
  send(server, p.sender, p.receiver, 4);
  REQUIRE(eventually([&] { return got(server, p).size() >= 4; }, 10s));
  CHECK(got(server, p) == json::array({1, 2, 3, 4}));
}

TEST_CASE("local delivery: delivered, failed and refused event:sends leave no record",
          "[integration][local-delivery]") {
  TempDir krl;
  SpimeServer server;
  Picos p = make_picos(server, krl);

  send(server, p.sender, p.receiver, 1);
  REQUIRE(eventually([&] { return got(server, p) == json::array({1}); }, 10s));
  // The receiver's schedule fails: its record goes all the same.
  send(server, p.sender, p.receiver, 2, "broken");
  // No such channel: admission refuses it for good.
  send(server, p.sender, "NoSuchChannelAnywhere", 3);
  // The stop waits for both to run (or be refused).
  CHECK(server.stop() == 0);
  CHECK(local_records(server) == 0);

  server.start();
  INFO(server.output());
  CHECK_THAT(server.output(), !Catch::Contains("owed since the last run"));
  CHECK(got(server, p) == json::array({1}));
}
