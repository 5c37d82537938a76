// The outbox against a real store and a recording HTTP server on loopback:
// key and record formats, back-off, capacity, delivery in order per
// destination, retries, permanent refusals, independence of destinations,
// recovery of stored records by a new outbox, and a stop that keeps no
// accepted event. Every wait is bounded.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/runtime/outbound/outbox.h"
#include "engine/runtime/outbound/outbox_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/runtime/recording_server.h"
#include "tests/temp_dir.h"

using namespace spime;
using namespace spime::runtime;
using namespace spime::runtime::testing;
namespace keys = spime::store::keys;
using std::chrono::milliseconds;

using spime::testing::TempDir;

namespace {

std::unique_ptr<store::Store> open_store(const std::string& dir) {
  store::Store::Options o;
  o.sync_commits = false;
  std::string error;
  auto s = store::Store::open(dir, o, &error);
  INFO(error);
  REQUIRE(s);
  return s;
}

OutgoingEvent remote(const std::string& host, const std::string& eci, int n) {
  return OutgoingEvent{eci, "test", "ping", krl::Value(krl::Map{{"n", n}}), host};
}

// What a sending transaction does: stage into its batch, commit it, announce it.
api::Status send(store::Store& s, Outbox& outbox, std::vector<OutgoingEvent> events) {
  store::WriteBatch batch;
  Outbox::Staged staged;
  api::Status st = outbox.stage(events, &batch, &staged);
  if (!st.is_ok()) return st;
  std::string error;
  REQUIRE(s.write(batch, &error));
  outbox.submitted(staged);
  outbox.committed(events);
  return st;
}

size_t stored_records(const store::Store& s) {
  size_t n = 0;
  outbox_records::scan(
      s, [&](OutboxRecord&&) { ++n; }, nullptr);
  return n;
}

// Waits for the committer to make everything handed to it so far durable.
void settle(store::Store& s) {
  std::atomic<bool> done{false};
  s.committer().when_durable(s.committer().last_seq(),
                             [&](bool, const std::string&) { done = true; });
  for (int i = 0; i < 500 && !done; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(done);
}

Outbox::Options fast(size_t capacity = 100) {
  Outbox::Options o;
  o.capacity = capacity;
  o.timeout = 2000ms;
  o.first_retry = 20ms;
  o.max_retry = 200ms;
  return o;
}

template <class F>
bool eventually(F probe, milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!probe()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace

TEST_CASE("outbox keys sort by destination, then by sequence number", "[outbox]") {
  std::vector<std::string> ks = {
      keys::outbox("http://a:1", "e1", 10), keys::outbox("http://a", "e2", 1),
      keys::outbox("http://a", "e1", 2),    keys::outbox("http://a", "e1", 10),
      keys::outbox("http://a", "e1", 9),
  };
  std::sort(ks.begin(), ks.end());
  std::vector<std::tuple<std::string, std::string, uint64_t>> parsed;
  for (const auto& k : ks) {
    std::string host, eci;
    uint64_t seq = 0;
    REQUIRE(keys::parse_outbox(k, &host, &eci, &seq));
    CHECK(k.rfind(keys::outbox_prefix(), 0) == 0);
    parsed.emplace_back(host, eci, seq);
  }
  using T = std::tuple<std::string, std::string, uint64_t>;
  CHECK(parsed == std::vector<T>{T{"http://a", "e1", 2}, T{"http://a", "e1", 9},
                                 T{"http://a", "e1", 10}, T{"http://a", "e2", 1},
                                 T{"http://a:1", "e1", 10}});
  CHECK_THROWS_AS(keys::outbox("http://a\x1f", "e", 1), std::invalid_argument);
  CHECK_THROWS_AS(keys::outbox("http://a", "e\x1f", 1), std::invalid_argument);
  CHECK_FALSE(
      keys::parse_outbox("o/http://a\x1f"
                         "e1\x1f"
                         "12",
                         nullptr, nullptr, nullptr));
  CHECK_FALSE(
      keys::parse_outbox("o/http://a\x1f"
                         "e1",
                         nullptr, nullptr, nullptr));
  CHECK_FALSE(keys::parse_outbox("t/x", nullptr, nullptr, nullptr));
  uint64_t big = 0;
  REQUIRE(keys::parse_outbox(keys::outbox("h", "e", UINT64_MAX), nullptr, nullptr, &big));
  CHECK(big == UINT64_MAX);
}

TEST_CASE("outbox records keep the exact body and round-trip", "[outbox]") {
  OutboxRecord r{"http://h:1", "eci", 42, "dom", "nam", 1700000000123, R"({"n":1.5,"s":"a\"b"})"};
  OutboxRecord back;
  REQUIRE(outbox_records::decode_record(outbox_records::encode_record(r), &back));
  CHECK(back.domain == "dom");
  CHECK(back.name == "nam");
  CHECK(back.created_ms == 1700000000123);
  CHECK(back.body == r.body);
  CHECK_FALSE(outbox_records::decode_record("not json", &back));
  CHECK_FALSE(outbox_records::decode_record(R"({"domain":"d","name":"n"})", &back));
  CHECK(outbox_records::normalize_host("http://h:1//") == "http://h:1");
  CHECK(outbox_records::invalid_destination("http://h", "").size() > 0);
  CHECK(outbox_records::invalid_destination("http://h\n", "e").size() > 0);
  CHECK(outbox_records::invalid_destination("http://h", "e").empty());
}

TEST_CASE("back-off doubles from the first retry up to the cap, with jitter", "[outbox]") {
  auto b = [](unsigned n, double u) { return outbox_backoff(n, 100ms, 10000ms, u).count(); };
  CHECK(b(1, 0.5) == 100);
  CHECK(b(2, 0.5) == 200);
  CHECK(b(3, 0.5) == 400);
  CHECK(b(7, 0.5) == 6400);
  CHECK(b(8, 0.5) == 10000);
  CHECK(b(1000, 0.5) == 10000);  // no overflow
  CHECK(b(1, 0.0) == 75);
  CHECK(b(1, 0.999) >= 124);
  CHECK(b(1, 0.999) <= 125);
  CHECK(b(8, 0.999) == 10000);  // jitter never passes the cap
  CHECK(b(8, 0.0) == 7500);
  CHECK(b(0, 0.5) == 100);
}

TEST_CASE("events are delivered once each, in order, and their records deleted", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  RecordingServer server;
  LogLines log;
  Outbox outbox(*s, fast(), log.sink());
  for (int i = 1; i <= 5; ++i) {
    REQUIRE(send(*s, outbox, {remote(server.host() + "/", "eci1", i)}).is_ok());
  }
  REQUIRE(outbox.wait_idle(10s));
  auto got = server.received();
  REQUIRE(got.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(got[i].body == "{\"n\":" + std::to_string(i + 1) + "}");
  CHECK(got[0].target == "/c/eci1/event/test/ping");
  settle(*s);
  CHECK(stored_records(*s) == 0);
  api::OutboxStatus st = outbox.status();
  CHECK(st.delivered == 5);
  CHECK(st.waiting == 0);
  CHECK(st.destinations.empty());
  CHECK(log.get().empty());
}

TEST_CASE("5xx and refused connections are retried — order holds behind them", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  RecordingServer server;
  std::atomic<int> answered{0};
  server.set_answer([&](const Received&) { return ++answered <= 3 ? 503u : 200u; });
  LogLines log;
  Outbox outbox(*s, fast(), log.sink());
  REQUIRE(send(*s, outbox, {remote(server.host(), "e", 1), remote(server.host(), "e", 2)}).is_ok());
  REQUIRE(send(*s, outbox, {remote(server.host(), "e", 3)}).is_ok());
  REQUIRE(outbox.wait_idle(10s));
  std::vector<std::string> bodies;
  for (const auto& r : server.received()) bodies.push_back(r.body);
  // The first event was tried four times; the others waited behind it.
  CHECK(bodies == std::vector<std::string>{"{\"n\":1}", "{\"n\":1}", "{\"n\":1}", "{\"n\":1}",
                                           "{\"n\":2}", "{\"n\":3}"});
  CHECK(log.any_contains("503 Service Unavailable (attempt 1"));
  CHECK(log.any_contains("delivered after 4 attempts"));
  settle(*s);
  CHECK(stored_records(*s) == 0);
}

TEST_CASE("a permanent refusal drops the event with a log line — the next one goes", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  RecordingServer server;
  server.set_answer(
      [](const Received& r) { return r.target.find("/c/unknown/") == 0 ? 404u : 200u; });
  LogLines log;
  Outbox outbox(*s, fast(), log.sink());
  REQUIRE(send(*s, outbox,
               {remote(server.host(), "unknown", 1), remote(server.host(), "unknown", 2),
                remote(server.host(), "known", 3)})
              .is_ok());
  REQUIRE(outbox.wait_idle(10s));
  CHECK(server.received().size() == 3);  // each once: no retry of a 404
  auto st = outbox.status();
  CHECK(st.dropped == 2);
  CHECK(st.delivered == 1);
  // At info level a log line shows an ECI's first 6 characters (engine/logging/log.h).
  CHECK(log.any_contains(
      "/c/unknow\u2026/event/test/ping: dropped, refused for good: 404 Not Found"));
  settle(*s);
  CHECK(stored_records(*s) == 0);
}

TEST_CASE("an engine that is down does not stall other destinations", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  RecordingServer up;
  std::string down = "http://127.0.0.1:" + std::to_string(closed_port());
  LogLines log;
  Outbox outbox(*s, fast(), log.sink());
  REQUIRE(send(*s, outbox, {remote(down, "d", 1), remote(down, "d", 2)}).is_ok());
  for (int i = 1; i <= 3; ++i) REQUIRE(send(*s, outbox, {remote(up.host(), "u", i)}).is_ok());
  REQUIRE(up.wait_for_requests(3, 10s));
  // The one that is down keeps its events, with what went wrong.
  REQUIRE(eventually([&] {
    auto st = outbox.status();
    return st.destinations.size() == 1 && st.destinations[0].attempts >= 2;
  }));
  api::OutboxStatus st = outbox.status();
  CHECK(st.waiting == 2);
  REQUIRE(st.destinations.size() == 1);
  CHECK(st.destinations[0].host == down);
  CHECK(st.destinations[0].eci == "d");
  CHECK(st.destinations[0].waiting == 2);
  CHECK(st.destinations[0].last_error.find("cannot connect") != std::string::npos);
  CHECK(st.destinations[0].next_attempt_ms <= 250);
  settle(*s);
  CHECK(stored_records(*s) == 2);
  // One line for the first failure, not one per try.
  size_t lines = 0;
  for (const auto& l : log.get()) lines += l.find(down) != std::string::npos;
  CHECK(lines == 1);
}

TEST_CASE("a full outbox refuses a transaction's events and puts nothing", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  std::string down = "http://127.0.0.1:" + std::to_string(closed_port());
  Outbox outbox(*s, fast(3), nullptr);
  REQUIRE(send(*s, outbox, {remote(down, "a", 1), remote(down, "b", 2)}).is_ok());
  CHECK(outbox.size() == 2);

  std::vector<OutgoingEvent> two = {remote(down, "a", 3), remote(down, "a", 4)};
  store::WriteBatch batch;
  Outbox::Staged staged;
  api::Status full = outbox.stage(two, &batch, &staged);
  CHECK(full.code() == api::Status::Code::kUnavailable);
  CHECK(full.message().find("outbox") != std::string::npos);
  CHECK(batch.empty());
  CHECK(two[0].outbox_seq == 0);
  CHECK(outbox.size() == 2);

  // One fits; a refused batch gives its place back.
  std::vector<OutgoingEvent> one = {remote(down, "a", 5)};
  REQUIRE(outbox.stage(one, &batch, &staged).is_ok());
  CHECK(batch.size() == 1);
  CHECK(one[0].outbox_seq > 0);
  CHECK(outbox.size() == 3);
  outbox.unstage(staged);
  CHECK(outbox.size() == 2);

  // Local events take no place.
  std::vector<OutgoingEvent> local = {OutgoingEvent{"x", "d", "n", krl::Value(), ""}};
  store::WriteBatch none;
  Outbox::Staged nothing;
  REQUIRE(outbox.stage(local, &none, &nothing).is_ok());
  CHECK(none.empty());
  CHECK(outbox.status().capacity == 3);
}

TEST_CASE("hosts that can never be posted to get no record, only a log line", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  LogLines log;
  Outbox outbox(*s, fast(), log.sink());
  std::vector<OutgoingEvent> events = {remote("ftp://h", "e", 1), remote("http://h", "", 2),
                                       remote("http://h\x1f", "e", 3), remote("//", "e", 4)};
  store::WriteBatch batch;
  Outbox::Staged staged;
  REQUIRE(outbox.stage(events, &batch, &staged).is_ok());
  CHECK(batch.empty());
  CHECK(staged.reserved == 0);
  CHECK(log.get().empty());  // not before the batch is accepted
  outbox.submitted(staged);
  auto lines = log.get();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].find("unsupported url scheme ftp") != std::string::npos);
  CHECK(lines[1].find("eci is empty") != std::string::npos);
  CHECK(lines[2].find("control characters") != std::string::npos);
  CHECK(lines[3].find("host is empty") != std::string::npos);
  CHECK(events[3].host == "//");  // still not a local event
  for (const OutgoingEvent& e : events) CHECK(e.outbox_seq == 0);
}

TEST_CASE("a new outbox on the same store delivers what was stored, in order", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  unsigned short port = closed_port();
  std::string host = "http://127.0.0.1:" + std::to_string(port);
  {
    Outbox first(*s, fast(), nullptr);
    for (int i = 1; i <= 4; ++i) REQUIRE(send(*s, first, {remote(host, "e", i)}).is_ok());
    REQUIRE(send(*s, first, {remote(host, "f", 5)}).is_ok());
    first.stop();
    CHECK(first.size() == 5);
  }
  settle(*s);
  REQUIRE(stored_records(*s) == 5);
  RecordingServer server(200, 0ms, 0, port);  // the engine comes up at that address
  LogLines log;
  Outbox second(*s, fast(), log.sink());
  CHECK(log.any_contains("5 event(s) waiting for 2 destination(s)"));
  REQUIRE(second.wait_idle(10s));
  std::vector<std::string> e_bodies;
  for (const auto& r : server.received()) {
    if (r.target == "/c/e/event/test/ping") e_bodies.push_back(r.body);
  }
  CHECK(e_bodies == std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"});
  CHECK(server.received().size() == 5);
  // New records come after the recovered ones.
  std::vector<OutgoingEvent> next = {remote(host, "e", 6)};
  store::WriteBatch b;
  Outbox::Staged st;
  REQUIRE(second.stage(next, &b, &st).is_ok());
  CHECK(next[0].outbox_seq > 5);
  second.unstage(st);
  settle(*s);
  CHECK(stored_records(*s) == 0);
}

TEST_CASE("stop waits for the POST in flight and keeps no accepted event", "[outbox]") {
  TempDir dir;
  auto s = open_store(dir.path());
  RecordingServer server(200, 300ms);
  Outbox outbox(*s, fast(), nullptr);
  REQUIRE(send(*s, outbox, {remote(server.host(), "e", 1), remote(server.host(), "e", 2)}).is_ok());
  REQUIRE(server.wait_for_requests(1, 5s));
  outbox.stop();  // the first is in flight: it finishes, the second does not start
  CHECK(server.received().size() == 1);
  CHECK(outbox.size() == 1);
  settle(*s);
  CHECK(stored_records(*s) == 1);  // the accepted one is gone, the other waits
}

TEST_CASE("an engine's id is made once and its event ids are never given twice", "[outbox]") {
  TempDir dir;
  RecordingServer server;
  std::string first_id;
  std::vector<std::uint64_t> seqs;
  for (int run = 0; run < 3; ++run) {
    auto s = open_store(dir.path());
    std::string error;
    std::string id = outbox_records::engine_id(*s, &error);
    INFO(error);
    REQUIRE(!id.empty());
    if (run == 0) first_id = id;
    CHECK(id == first_id);  // the same engine, however often it starts
    Outbox outbox(*s, fast(), nullptr, id);
    for (int i = 0; i < 2; ++i) {
      std::vector<OutgoingEvent> events{remote(server.host(), "e", run * 2 + i)};
      store::WriteBatch batch;
      Outbox::Staged staged;
      REQUIRE(outbox.stage(events, &batch, &staged).is_ok());
      REQUIRE(s->write(batch, &error));
      outbox.submitted(staged);
      outbox.committed(events);
      seqs.push_back(events[0].outbox_seq);
    }
    // Everything delivered and deleted: the next start finds the outbox empty.
    REQUIRE(outbox.wait_idle(10s));
    outbox.stop();
    settle(*s);
    CHECK(stored_records(*s) == 0);
  }
  REQUIRE(seqs.size() == 6);
  for (size_t i = 1; i < seqs.size(); ++i) CHECK(seqs[i] > seqs[i - 1]);
  CHECK(outbox_records::reserved_seq(*open_store(dir.path())) > seqs.back());
}
