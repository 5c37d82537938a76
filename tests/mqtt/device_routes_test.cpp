// The bridge's device topics: the filters prototypes ask for, and the route
// cache all sessions share (channels/mqtt/device_routes.h).
#include <catch2/catch.hpp>

#include <string>

#include "channels/mqtt/device_routes.h"

namespace spime::mqtt {
namespace {

krl::Value prototype_with(std::initializer_list<const char*> filters) {
  krl::Array topics;
  for (const char* f : filters) {
    krl::Map t;
    t.set("filter", krl::Value(std::string(f)));
    topics.push_back(krl::Value(std::move(t)));
  }
  krl::Map mqtt;
  mqtt.set("topics", krl::Value(std::move(topics)));
  krl::Map p;
  p.set("mqtt", krl::Value(std::move(mqtt)));
  return krl::Value(std::move(p));
}

TEST_CASE("device routes: each prototype filter once, other values skipped", "[mqtt]") {
  krl::Array all;
  all.push_back(prototype_with({"sensors/+/heartbeat", "sensors/+/status"}));
  all.push_back(krl::Value(krl::Map()));  // a prototype without mqtt
  all.push_back(prototype_with({"sensors/+/heartbeat"}));
  all.push_back(krl::Value(std::string("not a prototype")));
  CHECK(device_filters(krl::Value(std::move(all))) ==
        std::vector<std::string>{"sensors/+/heartbeat", "sensors/+/status"});
  CHECK(device_filters(krl::Value()).empty());
}

TEST_CASE("device routes: remembered, forgotten, and emptied when full", "[mqtt]") {
  DeviceRoutes routes;
  CHECK_FALSE(routes.find("sensors/a/heartbeat"));
  routes.remember("sensors/a/heartbeat", {"eci-a", "wovyn", "heartbeat"});
  REQUIRE(routes.find("sensors/a/heartbeat"));
  CHECK(routes.find("sensors/a/heartbeat")->eci == "eci-a");
  routes.remember("sensors/a/heartbeat", {"eci-b", "wovyn", "heartbeat"});  // taken over
  CHECK(routes.find("sensors/a/heartbeat")->eci == "eci-b");
  routes.forget("sensors/a/heartbeat");
  CHECK_FALSE(routes.find("sensors/a/heartbeat"));

  for (std::size_t i = 0; i < DeviceRoutes::kMaxRoutes; ++i) {
    routes.remember("t/" + std::to_string(i), {"e", "d", "t"});
  }
  CHECK(routes.find("t/0"));
  routes.remember("t/new", {"e", "d", "t"});  // one past the bound: emptied first
  CHECK_FALSE(routes.find("t/0"));
  CHECK(routes.find("t/new"));
}

}  // namespace
}  // namespace spime::mqtt
