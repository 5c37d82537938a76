// The logs module over HTTP on a real `spime serve`: appends from events,
// pages by cursor from queries, time bounds, keys under concurrent clients,
// retention, durability across kill -9, and no key left behind when the
// ruleset or the pico goes.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/store_counts.h"

namespace spime::integration {
namespace {

const char* kRid = "logs.test";

std::string fixture_url() {
  return file_url(std::string(SPIME_SOURCE_DIR) + "/tests/integration/fixtures/logs/logs.test.krl");
}

// A child of the owner with the test ruleset; answers its allow-all channel.
std::string logging_pico(const SpimeServer& s, const std::string& name = "logger") {
  std::string eci = new_child(s, s.owner_eci(), name);
  install_ruleset(s, eci, fixture_url(), kRid);
  return eci;
}

json page(const SpimeServer& s, const std::string& eci, json args = json::object()) {
  return must_query(s, eci, kRid, "page", args);
}

std::vector<int> numbers(const json& p) {
  std::vector<int> out;
  for (const auto& e : p.at("entries")) out.push_back(e.at("entry").at("n").get<int>());
  return out;
}

}  // namespace

TEST_CASE("logs: appends page newest first by cursor, oldest first too", "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  for (int i = 0; i < 60; ++i) must_event(s, eci, "logs", "add", {{"entry", {{"n", i}}}});
  CHECK(must_query(s, eci, kRid, "count").get<int>() == 60);

  json p1 = page(s, eci);
  REQUIRE(p1.at("entries").size() == 25);
  CHECK(numbers(p1).front() == 59);
  CHECK(numbers(p1).back() == 35);
  REQUIRE(p1.at("next").is_string());
  const json& first = p1.at("entries")[0];
  CHECK(first.at("cursor").is_string());
  CHECK(first.at("time").get<std::string>().size() == 24);  // ISO 8601, as time:now()

  json p2 = page(s, eci, {{"cursor", p1.at("next")}});
  CHECK(numbers(p2).front() == 34);
  json p3 = page(s, eci, {{"cursor", p2.at("next")}});
  REQUIRE(p3.at("entries").size() == 10);
  CHECK(numbers(p3).back() == 0);
  CHECK(p3.at("next").is_null());

  json oldest = page(s, eci, {{"order", "oldest"}, {"limit", 7}});
  CHECK(numbers(oldest) == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
}

TEST_CASE("logs: a page sees this event's appends and the last event's, durable or not",
          "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  // Back to back: the page in the second event reads the first's entry (perhaps
  // not durable yet) and its own two (not committed yet) in one range read.
  must_event(s, eci, "logs", "add", {{"entry", {{"n", 7}}}});
  must_event(s, eci, "logs", "add_then_page", json::object());
  CHECK(numbers(must_query(s, eci, kRid, "seen")) == std::vector<int>{101, 100, 7});
  CHECK(numbers(page(s, eci, {{"limit", 2}})) == std::vector<int>{101, 100});
}

TEST_CASE("logs: since and until bound a page by the pico's receipt time", "[integration][logs]") {
  SpimeServer s(manual_clock());
  std::string eci = logging_pico(s);
  for (int i = 0; i < 10; ++i) {
    must_event(s, eci, "logs", "add", {{"entry", {{"n", i}}}});
    advance_clock(s, 60 * 1000);  // one a minute
  }
  // Entry i was received at kClockStart + i minutes.
  json p = page(s, eci,
                {{"since", kClockStart + 3 * 60 * 1000},
                 {"until", "2023-11-14T22:20:20.000Z"}});  // kClockStart + 7 minutes
  CHECK(numbers(p) == std::vector<int>{7, 6, 5, 4, 3});
  CHECK(p.at("entries")[0].at("time") == "2023-11-14T22:20:20.000Z");
}

TEST_CASE("logs: a key appends once, even from 8 clients racing with the same keys",
          "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  constexpr int kClients = 8, kKeys = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int k = 0; k < kKeys; ++k) {
        HttpResult r =
            s.event(eci, "logs", "add",
                    {{"entry", {{"n", k}, {"client", c}}}, {"key", "k" + std::to_string(k)}});
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(failures == 0);
  CHECK(must_query(s, eci, kRid, "count").get<int>() == kKeys);
  CHECK(must_query(s, eci, kRid, "has", {{"key", "k3"}}).get<bool>());
  CHECK_FALSE(must_query(s, eci, kRid, "has", {{"key", "nope"}}).get<bool>());

  // Within one schedule the second append sees the first.
  must_event(s, eci, "logs", "add_twice", {{"key", "twice"}});
  CHECK(must_query(s, eci, kRid, "count").get<int>() == kKeys + 1);
  s.restart();
  CHECK(must_query(s, eci, kRid, "count").get<int>() == kKeys + 1);
  CHECK(page(s, eci, {{"limit", 100}}).at("entries").size() == kKeys + 1);
  s.stop();
  std::map<std::string, size_t> keys = pico_key_counts(s);
  CHECK(keys["l/"] == kKeys + 1);
  CHECK(keys["x/"] == kKeys + 1);
}

TEST_CASE("logs: retention by count keeps the newest — clear drops everything",
          "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  for (int i = 0; i < 30; ++i) {
    must_event(s, eci, "logs", "add", {{"entry", {{"n", i}}}, {"max_count", 5}});
  }
  CHECK(must_query(s, eci, kRid, "count").get<int>() == 5);
  CHECK(numbers(page(s, eci)) == std::vector<int>{29, 28, 27, 26, 25});
  s.stop();
  CHECK(pico_key_counts(s)["l/"] == 5);
  s.start();
  must_event(s, eci, "logs", "clear");
  CHECK(must_query(s, eci, kRid, "count").get<int>() == 0);
  CHECK(page(s, eci).at("entries").empty());
  must_event(s, eci, "logs", "add", {{"entry", {{"n", 100}}}});
  CHECK(numbers(page(s, eci)) == std::vector<int>{100});
  s.stop();
  CHECK(pico_key_counts(s)["l/"] == 1);
}

TEST_CASE("logs: every acknowledged append survives kill -9", "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  for (int i = 0; i < 40; ++i) must_event(s, eci, "logs", "add", {{"entry", {{"n", i}}}});
  json before = page(s, eci, {{"limit", 1000}});
  s.kill9();
  s.start();
  CHECK(page(s, eci, {{"limit", 1000}}) == before);
  CHECK(must_query(s, eci, kRid, "count").get<int>() == 40);
}

TEST_CASE("logs: a query cannot append, and bad arguments are refused with what is wrong",
          "[integration][logs]") {
  SpimeServer s;
  std::string eci = logging_pico(s);
  HttpResult q = s.query(eci, kRid, "appendInQuery");
  CHECK(q.status >= 400);
  CHECK(q.text.find("not allowed in a query") != std::string::npos);

  HttpResult bad_name = s.event(eci, "logs", "add", {{"entry", 1}, {"log", "no spaces"}});
  CHECK(bad_name.text.find("a log name is 1 to 64") != std::string::npos);
  HttpResult bad_limit = s.query(eci, kRid, "page", {{"limit", 5000}});
  CHECK(bad_limit.status >= 400);
  CHECK(bad_limit.text.find("limit must be 1 to 1000") != std::string::npos);
  HttpResult bad_cursor = s.query(eci, kRid, "page", {{"cursor", "x1"}});
  CHECK(bad_cursor.status >= 400);
  CHECK(must_query(s, eci, kRid, "count").get<int>() == 0);
}

TEST_CASE("logs: no key is left when the ruleset is uninstalled or the pico deleted",
          "[integration][logs]") {
  SpimeServer s;
  std::string a = logging_pico(s, "A");
  std::string b = logging_pico(s, "B");
  for (int i = 0; i < 5; ++i) {
    must_event(s, a, "logs", "add", {{"entry", {{"n", i}}}, {"key", std::to_string(i)}});
    must_event(s, b, "logs", "add", {{"entry", {{"n", i}}}, {"key", std::to_string(i)}});
  }
  must_event(s, a, "wrangler", "uninstall_ruleset_request", {{"rid", kRid}});
  must_event(s, s.owner_eci(), "wrangler", "child_deletion_request", {{"name", "B"}});
  s.stop();
  std::map<std::string, size_t> keys = pico_key_counts(s);
  CHECK(keys["l/"] == 0);
  CHECK(keys["x/"] == 0);
}

}  // namespace spime::integration
