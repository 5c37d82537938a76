// SlotGate (channels/slot_gate.h) in one process: two HTTP servers over test
// engines, the first with a gate over a hand-made slot table that gives
// slot 002 to the second. Many clients at once (this runs under TSan), a
// body forwarded, a bounded queue, and the gate's shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "channels/http_server.h"
#include "channels/slot_gate.h"
#include "http_client.h"
#include "test_engine.h"

using namespace spime::channels;
using namespace spime::channels::testing;
using spime::cluster::boot_clock_ns;
using spime::cluster::SlotTable;
using spime::krl::Value;

namespace {

struct Server {
  explicit Server(const char* answer) : server(engine, HttpServerOptions{}) {
    engine.query_value = Value(answer);
    std::string error;
    auto p = server.start(&error);
    INFO(error);
    REQUIRE(p);
    port = *p;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  TestEngine engine;
  HttpServer server;
  unsigned short port = 0;
};

const std::string kTail(22, 'Q');
const std::string kOnA = "001" + kTail;  // slot 001: a's
const std::string kOnB = "002" + kTail;  // slot 002: b's

// a's table: slot 001 its own, 002 b's; the fence open for a minute.
void fill(SlotTable& t, const Server& a, const Server& b) {
  t.set_node("a", a.url());
  t.set_node("b", b.url());
  t.set_owner(0x001, "a");
  t.set_owner(0x002, "b");
  t.open_fence_until(boot_clock_ns() + 60'000'000'000);
}

std::size_t calls_for(TestEngine& e, const std::string& eci) {
  std::size_t n = 0;
  for (const auto& c : e.calls()) n += c.query.eci == eci || c.event.eci == eci;
  return n;
}

}  // namespace

TEST_CASE("slot gate: concurrent clients reach each slot's owner", "[http][cluster]") {
  SlotTable table("a");
  SlotGate gate(table, SlotGate::Options{});
  Server b("from-b");
  Server a("from-a");
  fill(table, a, b);
  a.server.set_slot_gate(&gate);

  constexpr int kClients = 4, kEach = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(a.port);
      for (int i = 0; i < kEach; ++i) {
        const bool to_b = (i + c) % 2 == 0;
        auto r = client.get("/sky/cloud/" + (to_b ? kOnB : kOnA) + "/rid/f");
        if (r.status != 200 || r.body != (to_b ? "\"from-b\"" : "\"from-a\"")) ++wrong;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(wrong == 0);
  CHECK(calls_for(b.engine, kOnB) == kClients * kEach / 2);
  CHECK(calls_for(a.engine, kOnB) == 0);
  CHECK(calls_for(a.engine, kOnA) == kClients * kEach / 2);

  // An event's body and headers arrive as sent.
  HttpClient client(a.port);
  auto r = client.post_json("/sky/event/" + kOnB + "/e1/test/ping", R"({"temp":21.5})");
  CHECK(r.status == 200);
  const auto last = b.engine.last();
  CHECK(last.event.eci == kOnB);
  CHECK(last.event.domain == "test");
  CHECK(last.event.attrs.as_map().find("temp") != nullptr);
  // The owner's refusal comes back as it is.
  b.engine.fail = spime::api::Status::not_found("ECI not found " + kOnB);
  r = client.get("/sky/cloud/" + kOnB + "/rid/f");
  CHECK(r.status == 404);
  CHECK(r.body == R"({"error":"Error: ECI not found )" + kOnB + R"("})");
  b.engine.fail.reset();
}

// Waits (at most 5 s) for `ready`.
template <typename F>
bool wait_for(F ready) {
  for (int i = 0; i < 500; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ready();
}

TEST_CASE("slot gate: the forward queue is bounded, and the gate answers what it drops",
          "[http][cluster]") {
  SlotTable table("a");
  auto gate = std::make_unique<SlotGate>(table, SlotGate::Options{1, 1, std::chrono::seconds(10)});
  Server b("from-b");
  Server a("from-a");
  fill(table, a, b);
  a.server.set_slot_gate(gate.get());
  b.engine.hold = true;  // b keeps its answers: the gate's one thread waits on it

  auto ask_b = [&](int* status, std::string* body) {
    HttpClient client(a.port);
    auto r = client.get("/sky/cloud/" + kOnB + "/rid/f");
    *status = r.status;
    *body = r.body;
  };
  int s1 = 0, s2 = 0;
  std::string b1, b2;
  std::thread first(ask_b, &s1, &b1);
  REQUIRE(wait_for([&] { return b.engine.held() == 1; }));  // on the gate's thread
  std::thread second(ask_b, &s2, &b2);
  REQUIRE(wait_for([&] { return gate->waiting() == 1; }));  // queued
  // The queue holds one: a third is refused at once.
  HttpClient third(a.port);
  auto r = third.get("/sky/cloud/" + kOnB + "/rid/f");
  CHECK(r.status == 503);
  CHECK(r.body == R"({"error":"Error: too many requests wait to be forwarded to node b"})");
  CHECK(r.header("Retry-After") == "1");

  // The node stops: the gate lets the running forward finish and answers
  // the queued one.
  std::thread stopping([&] { gate->stop(); });
  second.join();  // answered while the first still waits on b
  CHECK(s2 == 503);
  CHECK(b2 == R"({"error":"Error: the node is stopping"})");
  CHECK(b.engine.held() == 1);
  b.engine.release();
  stopping.join();
  first.join();
  CHECK(s1 == 200);
  CHECK(b1 == "\"from-b\"");
  // A stopped gate refuses; the server then routes without it.
  r = third.get("/sky/cloud/" + kOnB + "/rid/f");
  CHECK(r.status == 503);
  CHECK(r.body == R"({"error":"Error: the node is stopping"})");
  a.server.set_slot_gate(nullptr);
  CHECK(third.get("/sky/cloud/" + kOnB + "/rid/f").body == "\"from-a\"");
}
