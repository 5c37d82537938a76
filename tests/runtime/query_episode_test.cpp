// A query's episode (logs/episode_log.h) on the engine in-process: its answer
// does not wait for the episode's write (commits held: the answer comes, the
// episode is not in the store yet), and the query is still no dirty read (it
// waits for the event it reads from).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>

#include "engine/runtime/engine.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using spime::api::EventRequest;
using spime::api::EventResult;
using spime::api::QueryRequest;
using spime::api::Result;
using spime::krl::Array;
using spime::krl::Map;
using spime::krl::Value;
using spime::runtime::Engine;
using spime::runtime::EngineOptions;
using spime::testing::TempDir;

namespace {

const char* kCounter = R"krl(
ruleset it.counted {
  meta { shares hits }
  global { hits = function() { ent:hits.defaultsTo(0) } }
  rule inc {
    select when counter inc
    always { ent:hits := hits() + 1 }
  }
}
)krl";

template <class T>
struct Pending {
  std::shared_ptr<std::promise<Result<T>>> answer = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> future = answer->get_future();
  std::function<void(Result<T>)> done() {
    return [a = answer](Result<T> r) { a->set_value(std::move(r)); };
  }
  Result<T> get() {
    REQUIRE(future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    return future.get();
  }
};

Pending<Value> query(Engine& e, const std::string& eci, const std::string& rid,
                     const std::string& name) {
  Pending<Value> p;
  e.query(QueryRequest{eci, rid, name, Value(Map())}, p.done());
  return p;
}

Pending<EventResult> event(Engine& e, const std::string& eci, const std::string& domain,
                           const std::string& name, Map attrs = {}) {
  Pending<EventResult> p;
  e.event_wait(EventRequest{eci, domain, name, Value(std::move(attrs))}, p.done());
  return p;
}

// The headers of the pico's kept episodes (the engine UI's `logs`).
std::vector<std::string> headers(Engine& e, const std::string& eci) {
  Result<Value> l = query(e, eci, "io.picolabs.pico-engine-ui", "logs").get();
  REQUIRE(l.ok());
  std::vector<std::string> out;
  for (const Value& g : l.value().as_array()) {
    out.push_back(g.as_map().find("header")->as_string());
  }
  return out;
}

bool has_header(const std::vector<std::string>& hs, const std::string& prefix) {
  for (const std::string& h : hs) {
    if (h.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("query episodes: the answer does not wait for the episode, nor reads dirty",
          "[runtime][pico_logs]") {
  TempDir dir;
  std::string path = (fs::path(dir.path()) / "it.counted.krl").string();
  std::ofstream(path) << kCounter;
  EngineOptions options;
  options.data_dir = (fs::path(dir.path()) / "data").string();
  options.rulesets_dir = SPIME_SOURCE_DIR "/rulesets";
  std::string err;
  auto engine = Engine::open(options, &err);
  INFO(err);
  REQUIRE(engine);
  const std::string owner = engine->owner_eci();
  REQUIRE(
      event(*engine, owner, "wrangler", "install_ruleset_request", Map{{"url", "file://" + path}})
          .get()
          .ok());
  REQUIRE(event(*engine, owner, "counter", "inc").get().ok());

  // Commits held: the query is answered all the same (what it read is durable), and its
  // episode, in a batch that is held, is not in the store yet.
  engine->hold_commits(true);
  Result<Value> hits = query(*engine, owner, "it.counted", "hits").get();
  REQUIRE(hits.ok());
  CHECK(spime::krl::equal(hits.value(), Value(1)));
  const std::string q = "QUERY " + owner + " it.counted/hits";
  CHECK_FALSE(has_header(headers(*engine, owner), q));

  // No dirty read: a query after an event that is not durable waits for it.
  auto inc = event(*engine, owner, "counter", "inc");
  auto after = query(*engine, owner, "it.counted", "hits");
  CHECK(after.future.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  engine->hold_commits(false);
  REQUIRE(inc.get().ok());
  Result<Value> two = after.get();
  REQUIRE(two.ok());
  CHECK(spime::krl::equal(two.value(), Value(2)));
  // Written now (before the event's answer: commits are in order).
  CHECK(has_header(headers(*engine, owner), q));
}
