// The watch hub's members' readings (runtime/streams/watch_hub.h): a watched
// collection's watchers get the readings of its members as data-only events
// (no id), through their filter and bound, during a resume too; members that
// leave stop, and a collection's members are forgotten with its last watcher.
// Over HTTP: tests/integration/collection_streams_test.cpp.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/streams/collection_members.h"
#include "engine/runtime/streams/watch_hub.h"

using namespace spime::runtime;

namespace {

struct Sink : spime::api::WatchSink {
  void wake() override {}
};

EpisodeEvent heartbeat(int n) {
  return EpisodeEvent{"eid" + std::to_string(n), "eci", "wovyn", "heartbeat", "{}", 1000 + n};
}

EpisodeEvent reading(int n, const std::string& type = "new_temperature_reading") {
  return EpisodeEvent{"eid" + std::to_string(n),           "",      "esproto", type,
                      "{\"n\":" + std::to_string(n) + "}", 1000 + n};
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("collection readings: what counts as a reading", "[streams]") {
  CHECK(is_reading("esproto", "new_temperature_reading"));
  CHECK(is_reading("esproto", "new_humidity_reading"));
  CHECK_FALSE(is_reading("esproto", "threshold_violation"));
  CHECK_FALSE(is_reading("esproto", "new__reading"));
  CHECK_FALSE(is_reading("wovyn", "new_temperature_reading"));
}

TEST_CASE("collection readings: to the collection's watchers, without ids", "[streams]") {
  auto hub = std::make_shared<WatchHub>(WatchHub::Options{10, 8});
  auto sink = std::make_shared<Sink>();
  // Not watched: its members are not taken.
  hub->set_members("coll", {"dev1"});
  CHECK_FALSE(hub->follows_members());

  auto all = hub->add("coll", Watcher::Filter{}, sink, std::nullopt);
  auto alerts = hub->add("coll", Watcher::Filter{"", "alert", EventPolicy()}, sink, std::nullopt);
  auto device = hub->add("dev1", Watcher::Filter{}, sink, std::nullopt);
  REQUIRE(all.ok());
  REQUIRE(alerts.ok());
  REQUIRE(device.ok());
  hub->set_members("coll", {"dev1", "dev2"});
  CHECK(hub->follows_members());

  hub->publish("dev1", 5, heartbeat(1), {reading(1), reading(2, "new_humidity_reading")});
  hub->publish("dev3", 1, heartbeat(3), {reading(3)});  // not a member
  hub->publish("coll", 7, EpisodeEvent{"e", "c", "esproto", "alert", "{}", 1});
  hub->publish("dev2", 9, heartbeat(4), {reading(4)});
  bool ended = false;
  std::string text = all.value()->take(&ended);
  CHECK(text ==
        "data: {\"member\":\"dev1\",\"eid\":\"eid1\",\"domain\":\"esproto\","
        "\"type\":\"new_temperature_reading\",\"attrs\":{\"n\":1},\"time\":1001}\n\n"
        "data: {\"member\":\"dev1\",\"eid\":\"eid2\",\"domain\":\"esproto\","
        "\"type\":\"new_humidity_reading\",\"attrs\":{\"n\":2},\"time\":1002}\n\n"
        "id: 7\ndata: {\"eid\":\"e\",\"eci\":\"c\",\"domain\":\"esproto\",\"type\":\"alert\","
        "\"attrs\":{},\"time\":1,\"seq\":7}\n\n"
        "data: {\"member\":\"dev2\",\"eid\":\"eid4\",\"domain\":\"esproto\","
        "\"type\":\"new_temperature_reading\",\"attrs\":{\"n\":4},\"time\":1004}\n\n");
  CHECK(count(alerts.value()->take(&ended), "data: ") == 1);  // its filter: the alert only
  // The device's own stream: its own episode, with its id.
  std::string own = device.value()->take(&ended);
  CHECK(count(own, "data: ") == 1);
  CHECK(own.rfind("id: 5\n", 0) == 0);

  // dev1 leaves.
  hub->set_members("coll", {"dev2"});
  hub->publish("dev1", 6, heartbeat(5), {reading(5)});
  CHECK(all.value()->take(&ended).empty());
  // The collection's last watchers go: its members are forgotten.
  all.value()->cancel();
  alerts.value()->cancel();
  CHECK_FALSE(hub->follows_members());
}

TEST_CASE("collection readings: held during a resume, bounded like any event", "[streams]") {
  auto hub = std::make_shared<WatchHub>(WatchHub::Options{10, 3});
  auto sink = std::make_shared<Sink>();
  auto w = hub->add("coll", Watcher::Filter{}, sink, std::uint64_t{1});
  REQUIRE(w.ok());
  hub->set_members("coll", {"dev1"});
  hub->publish("dev1", 1, heartbeat(1), {reading(1)});
  bool ended = false;
  CHECK(w.value()->take(&ended).empty());  // resuming
  hub->replayed(*w.value(), {{2, EpisodeEvent{"e2", "c", "esproto", "alert", "{}", 2}}});
  std::string text = w.value()->take(&ended);
  CHECK(text.rfind("id: 2\n", 0) == 0);  // the kept event first, then the held reading
  CHECK(count(text, "data: {\"member\"") == 1);
  // A watcher that does not read is dropped by readings as by events.
  for (int i = 0; i < 5; ++i) hub->publish("dev1", 10 + i, heartbeat(i), {reading(i)});
  text = w.value()->take(&ended);
  CHECK(ended);
  CHECK(text.find("event: dropped") != std::string::npos);
  CHECK(hub->size() == 0);
  CHECK_FALSE(hub->follows_members());
}
