// The episode log over a real store (runtime/logs/episode_log.h): numbering,
// retention by count with no rewrite, the stream's data; and the watch hub
// (runtime/streams/watch_hub.h): filters, the resume race, a full buffer.
// Over HTTP: tests/integration/pico_logs_test.cpp and streams_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/logs/episode_log.h"
#include "engine/runtime/streams/watch_hub.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"
#include "tests/temp_dir.h"

using namespace spime::runtime;
namespace keys = spime::store::keys;
using spime::store::Store;
using spime::store::WriteBatch;

namespace {

EpisodeEvent event(int n, const std::string& type = "heartbeat") {
  return EpisodeEvent{"eid" + std::to_string(n),           "eci1",  "wovyn", type,
                      "{\"n\":" + std::to_string(n) + "}", 1000 + n};
}

struct Sink : spime::api::WatchSink {
  std::atomic<int> wakes{0};
  void wake() override { ++wakes; }
};

std::vector<std::string> ids_in(const std::string& text) {
  std::vector<std::string> out;
  for (size_t at = text.find("id: "); at != std::string::npos; at = text.find("id: ", at + 1)) {
    out.push_back(text.substr(at + 4, text.find('\n', at) - at - 4));
  }
  return out;
}

}  // namespace

TEST_CASE("episodes: numbered per pico, the newest kept by count, read back in order",
          "[episodes]") {
  spime::testing::TempDir dir;
  std::string error;
  auto store = Store::open(dir.path() + "/db", Store::Options(), &error);
  REQUIRE(store);
  EpisodeLogState state;
  EpisodeLogOptions options;
  options.max_count = 5;
  for (int i = 0; i < 12; ++i) {
    EpisodeRecorder rec;
    rec.line(2000 + i, "klog", "n is", {{"rid", "r\"q"}}, "val", "7");
    rec.rule_selected(2001 + i, "r", "x\"y");
    rec.rule_ran(2002 + i, true);
    rec.done(2003 + i);
    WriteBatch batch;
    std::uint64_t seq =
        append_episode(*store, "p1", state, options, 2000 + i, episode_json(event(i), rec), batch);
    CHECK(seq == static_cast<std::uint64_t>(i));
    REQUIRE(store->write(batch, &error));
  }
  // Five kept: the numbers 7..11; the dropped ones are gone from the store.
  std::vector<StoredEpisode> all = read_episodes(*store, "p1", std::nullopt, 100, 0);
  REQUIRE(all.size() == 5);
  CHECK(all.front().seq == 7);
  CHECK(all.back().seq == 11);
  std::string text;
  CHECK_FALSE(store->get(keys::episode("p1", 6), &text));
  // After an id, and the newest few.
  std::vector<StoredEpisode> after = read_episodes(*store, "p1", 9, 100, 0);
  REQUIRE(after.size() == 2);
  CHECK(after[0].seq == 10);
  std::vector<StoredEpisode> newest = newest_episodes(*store, "p1", 3, 0);
  REQUIRE(newest.size() == 3);
  CHECK(newest[0].seq == 9);
  // Another pico has its own numbers.
  EpisodeLogState other;
  WriteBatch batch;
  CHECK(append_episode(*store, "p2", other, options, 5000, episode_json(event(0), {}), batch) == 0);
  // A fresh state (a reload) goes on from the store.
  EpisodeLogState reloaded;
  WriteBatch more;
  CHECK(append_episode(*store, "p1", reloaded, options, 9000, episode_json(event(12), {}), more) ==
        12);

  // The reference's entries: txnQueued first, then the lines with txnId and ISO time.
  spime::krl::Array entries;
  reference_entries(all.back(), &entries);
  REQUIRE(entries.size() == 5);
  auto msg = [&entries](size_t i) { return entries[i].as_map().find("msg")->as_string(); };
  CHECK(msg(0) == "txnQueued");
  CHECK(entries[0].as_map().find("txnId")->as_string() == "eid11");
  CHECK(msg(1) == "n is");
  CHECK(entries[1].as_map().find("level")->as_string() == "klog");
  CHECK(entries[1].as_map().find("rid")->as_string() == "r\"q");
  CHECK(entries[1].as_map().find("val")->as_number() == 7);
  CHECK(msg(2) == "rule selected");
  CHECK(entries[2].as_map().find("rule_name")->as_string() == "x\"y");
  CHECK(msg(3) == "fired");
  CHECK(entries[3].as_map().find("rid")->as_string() == "r");
  CHECK(entries[3].as_map().find("time")->as_string() == "1970-01-01T00:00:02.013Z");
  CHECK(msg(4) == "txnDone");
  CHECK(entries[4].as_map().find("txnId")->as_string() == "eid11");
  // What a stream carries.
  EpisodeEvent back;
  REQUIRE(episode_event(all.back().value, &back));
  CHECK(stream_data(11, back) ==
        "{\"eid\":\"eid11\",\"eci\":\"eci1\",\"domain\":\"wovyn\",\"type\":\"heartbeat\","
        "\"attrs\":{\"n\":11},\"time\":1011,\"seq\":11}");
}

TEST_CASE("watch hub: filters, policy, the limit", "[streams]") {
  auto hub = std::make_shared<WatchHub>(WatchHub::Options{2, 8});
  auto sink = std::make_shared<Sink>();
  Watcher::Filter only_alerts{"", "alert", EventPolicy()};
  auto a = hub->add("p1", only_alerts, sink, std::nullopt);
  REQUIRE(a.ok());
  EventPolicy deny_wovyn;
  deny_wovyn.deny.push_back({"wovyn", "*"});
  auto b = hub->add("p1", Watcher::Filter{"", "", deny_wovyn}, sink, std::nullopt);
  REQUIRE(b.ok());
  CHECK_FALSE(hub->add("p1", Watcher::Filter{}, sink, std::nullopt).ok());  // the limit
  hub->publish("p1", 0, event(0, "heartbeat"));
  hub->publish("p1", 1, event(1, "alert"));
  hub->publish("p2", 2, event(2, "alert"));  // another pico
  bool ended = false;
  CHECK(ids_in(a.value()->take(&ended)) == std::vector<std::string>{"1"});
  CHECK_FALSE(ended);
  CHECK(b.value()->take(&ended).empty());  // wovyn denied by its channel
  a.value()->cancel();
  CHECK(hub->size() == 1);
  CHECK(hub->add("p1", Watcher::Filter{}, sink, std::nullopt).ok());
}

TEST_CASE("watch hub: a resume gets the kept events, then the held live ones, once each",
          "[streams]") {
  auto hub = std::make_shared<WatchHub>(WatchHub::Options{10, 64});
  auto sink = std::make_shared<Sink>();
  auto w = hub->add("p1", Watcher::Filter{}, sink, std::uint64_t{3});
  REQUIRE(w.ok());
  // Published while the replay reads: 6 and 7 are in the store too, 8 is not yet.
  hub->publish("p1", 6, event(6));
  hub->publish("p1", 7, event(7));
  hub->publish("p1", 8, event(8));
  bool ended = false;
  CHECK(w.value()->take(&ended).empty());  // nothing before the replay is done
  CHECK(sink->wakes == 0);
  std::vector<std::pair<std::uint64_t, EpisodeEvent>> kept;
  for (int i : {4, 5, 6, 7}) kept.emplace_back(i, event(i));
  hub->replayed(*w.value(), kept);
  CHECK(sink->wakes == 1);
  hub->publish("p1", 9, event(9));
  CHECK(ids_in(w.value()->take(&ended)) == std::vector<std::string>{"4", "5", "6", "7", "8", "9"});
}

TEST_CASE("watch hub: a watcher that falls behind is dropped with a last event", "[streams]") {
  auto hub = std::make_shared<WatchHub>(WatchHub::Options{10, 4});
  auto sink = std::make_shared<Sink>();
  auto slow = hub->add("p1", Watcher::Filter{}, sink, std::nullopt);
  auto fast = hub->add("p1", Watcher::Filter{}, sink, std::nullopt);
  REQUIRE(slow.ok());
  REQUIRE(fast.ok());
  bool ended = false;
  for (int i = 0; i < 10; ++i) {
    hub->publish("p1", static_cast<std::uint64_t>(i), event(i));
    CHECK(ids_in(fast.value()->take(&ended)).size() == 1);  // keeps up
  }
  std::string text = slow.value()->take(&ended);
  CHECK(ended);
  CHECK(ids_in(text) == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(text.find("event: dropped\ndata: {\"reason\":") != std::string::npos);
  CHECK(text.find("\"lastEventId\":3}") != std::string::npos);
  CHECK(hub->size() == 1);
  CHECK(hub->dropped() == 1);
  hub->close_all();
  CHECK(fast.value()->take(&ended).find("event: end") != std::string::npos);
  CHECK(ended);
  CHECK_FALSE(hub->add("p1", Watcher::Filter{}, sink, std::nullopt).ok());
}
