// What the ESProto integration tests share: a device pico joining a
// collection pico through io.picolabs.subscription, as a client would.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration {

constexpr const char* kSubscriptionRid = "io.picolabs.subscription";

// The well-known channel a pico is introduced to others on.
inline std::string well_known_rx(const SpimeServer& s, const std::string& eci) {
  json rx = must_query(s, eci, kSubscriptionRid, "wellKnown_Rx");
  REQUIRE(rx.is_object());
  return rx.at("id").get<std::string>();
}

// The device (on `dev_server`) asks to join the collection (on
// `coll_server`, reached at `host`; empty: the same engine) with Rx_role
// "device" and Tx_role "collection"; the collection approves; both sides end
// established (polled, at most 10 s). Returns the subscription's Id.
inline std::string join_collection(const SpimeServer& dev_server, const std::string& device,
                                   const SpimeServer& coll_server, const std::string& collection,
                                   const std::string& host = "") {
  size_t before = must_query(dev_server, device, kSubscriptionRid, "established").size();
  json attrs = {{"wellKnown_Tx", well_known_rx(coll_server, collection)},
                {"Rx_role", "device"},
                {"Tx_role", "collection"},
                {"name", "membership"},
                {"channel_type", "subscription"}};
  if (!host.empty()) attrs["Tx_host"] = host;
  must_event(dev_server, device, "wrangler", "subscription", attrs);
  json pending;
  REQUIRE(eventually(
      [&] {
        pending = must_query(coll_server, collection, kSubscriptionRid, "inbound");
        return pending.size() == 1;
      },
      std::chrono::seconds(10)));
  std::string id = pending[0].at("Id").get<std::string>();
  must_event(coll_server, collection, "wrangler", "pending_subscription_approval", {{"Id", id}});
  REQUIRE(eventually(
      [&] {
        return must_query(dev_server, device, kSubscriptionRid, "established").size() == before + 1;
      },
      std::chrono::seconds(10)));
  return id;
}

}  // namespace spime::integration
