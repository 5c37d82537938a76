// route_eci (engine/cluster/slot_route.h): what a node does with a request
// for an ECI, on a slot table filled by hand.
#include <catch2/catch.hpp>

#include <string>

#include "engine/cluster/pico_mover.h"
#include "engine/cluster/slot_route.h"

using spime::cluster::route_eci;
using spime::cluster::Slot;
using spime::cluster::SlotRoute;
using spime::cluster::SlotTable;

namespace {

constexpr std::int64_t kNow = 1'000'000'000;
const std::string kTail(22, 'Q');  // 22 characters of the id alphabet

std::string eci_in(const char* slot) {
  return slot + kTail;
}

}  // namespace

TEST_CASE("route_eci: serve, forward or refuse, by the slot's owner and the fence",
          "[cluster][slots]") {
  SlotTable t("a");
  t.set_node("a", "http://127.0.0.1:1");
  t.set_node("b", "http://127.0.0.1:2");
  t.set_owner(0x001, "a");
  t.set_owner(0x002, "b");
  t.set_owner(0x003, "gone");  // owns a slot, has no live node entry
  t.open_fence_until(kNow + 1);

  // Not slotted: a legacy 24-character ECI, a reference cuid, junk.
  for (std::string eci : {std::string(24, 'x'), std::string("ck6uyvyzx0001b0j6rgq1k9zw"),
                          std::string("!"), std::string()}) {
    CHECK(route_eci(t, eci, false, kNow).kind == SlotRoute::Kind::kServe);
  }
  // Its own slot, fence open.
  SlotRoute r = route_eci(t, eci_in("001"), false, kNow);
  CHECK(r.kind == SlotRoute::Kind::kServe);
  CHECK(r.slot == Slot{1});
  // b's slot: forwarded once, to b's URL.
  r = route_eci(t, eci_in("002"), false, kNow);
  CHECK(r.kind == SlotRoute::Kind::kForward);
  CHECK(r.node == "b");
  CHECK(r.url == "http://127.0.0.1:2");
  // Never a second hop.
  r = route_eci(t, eci_in("002"), true, kNow);
  CHECK(r.kind == SlotRoute::Kind::kRefuse);
  CHECK(r.why == "slot 002 belongs to node b, and the request was forwarded already");
  // An owner that is not live, a slot without an owner.
  r = route_eci(t, eci_in("003"), false, kNow);
  CHECK(r.kind == SlotRoute::Kind::kRefuse);
  CHECK(r.why == "slot 003 belongs to node gone, which is not live");
  r = route_eci(t, eci_in("fff"), false, kNow);
  CHECK(r.kind == SlotRoute::Kind::kRefuse);
  CHECK(r.why == "slot fff has no owner");
  // Fence closed: its own slot is refused; another's is still forwarded (the
  // owner decides for itself).
  r = route_eci(t, eci_in("001"), false, kNow + 1);
  CHECK(r.kind == SlotRoute::Kind::kRefuse);
  CHECK(r.why == "slot 001 is not served while this node's lease is unconfirmed");
  CHECK(route_eci(t, eci_in("002"), false, kNow + 1).kind == SlotRoute::Kind::kForward);
  // b leaves: its slot is refused until it comes back.
  t.remove_node("b");
  CHECK(route_eci(t, eci_in("002"), false, kNow).kind == SlotRoute::Kind::kRefuse);
}

TEST_CASE("SlotTable::own_slots: the slots this node owns, ascending", "[cluster][slots]") {
  SlotTable t("a");
  CHECK(t.own_slots().empty());
  t.set_owner(0xfff, "a");
  t.set_owner(0x010, "a");
  t.set_owner(0x011, "b");
  CHECK(t.own_slots() == std::vector<Slot>{0x010, 0xfff});
  t.set_owner(0x010, "");
  CHECK(t.own_slots() == std::vector<Slot>{0xfff});
}

TEST_CASE("route_eci: an override routes an ECI by the slot it names, not the one it carries",
          "[cluster][slots]") {
  SlotTable t("a");
  t.set_node("a", "http://127.0.0.1:1");
  t.set_node("b", "http://127.0.0.1:2");
  t.set_owner(0x001, "a");
  t.set_owner(0x002, "b");
  t.open_fence_until(kNow + 1);
  const std::string moved = eci_in("001");  // minted in a's slot, moved to b's
  const std::string legacy(24, 'x');
  CHECK(t.override_count() == 0);
  CHECK(t.slot_of(moved) == Slot{1});
  CHECK(!t.slot_of(legacy));

  t.set_override(moved, Slot{2});
  t.set_override(legacy, Slot{1});
  CHECK(t.override_count() == 2);
  CHECK(t.slot_of(moved) == Slot{2});
  CHECK(t.slot_of(legacy) == Slot{1});
  CHECK(t.slot_of(eci_in("001")) == Slot{2});
  CHECK(t.slot_of(eci_in("002")) == Slot{2});  // others by their prefix still
  SlotRoute r = route_eci(t, moved, false, kNow);
  CHECK(r.kind == SlotRoute::Kind::kForward);
  CHECK(r.node == "b");
  CHECK(route_eci(t, legacy, false, kNow).kind == SlotRoute::Kind::kServe);

  // Gone again (a delete in etcd), and replaced whole (a resync).
  t.set_override(moved, std::nullopt);
  CHECK(route_eci(t, moved, false, kNow).kind == SlotRoute::Kind::kServe);
  t.replace_overrides({{legacy, Slot{2}}});
  CHECK(t.override_count() == 1);
  CHECK(route_eci(t, legacy, false, kNow).kind == SlotRoute::Kind::kForward);
  CHECK(t.slot_of(moved) == Slot{1});
}

TEST_CASE("SlotTable: a pico planned away is known by its id and by the ECIs its plan names",
          "[cluster][slots]") {
  SlotTable t("a");
  CHECK(!t.pico_moving_away("p1"));
  t.set_pico_moving_away("p1", true, {"e1", "e2"});
  t.set_pico_moving_away("p2", true, {});
  CHECK(t.pico_moving_away("p1"));
  CHECK(t.pico_moving_away("p2"));
  CHECK(t.eci_moving_away("e2"));
  CHECK(!t.eci_moving_away("e3"));
  t.set_pico_moving_away("p1", false);
  CHECK(!t.pico_moving_away("p1"));
  CHECK(!t.eci_moving_away("e1"));
  t.replace_pico_moves({{"p3", {"e3"}}});
  CHECK(!t.pico_moving_away("p2"));
  CHECK(t.eci_moving_away("e3"));
}

TEST_CASE("a pico move's plan: what encode writes, decode reads, and nothing else",
          "[cluster][slots]") {
  using spime::cluster::PicoMovePlan;
  PicoMovePlan plan{"a", "b", Slot{0x3a7}, {"e1", "e2"}, 1234};
  PicoMovePlan back;
  REQUIRE(
      spime::cluster::decode_pico_move_plan(spime::cluster::encode_pico_move_plan(plan), &back));
  CHECK(back.from == "a");
  CHECK(back.to == "b");
  CHECK(back.slot == Slot{0x3a7});
  CHECK(back.ecis == std::vector<std::string>{"e1", "e2"});
  CHECK(back.started_ms == 1234);
  for (const char* bad :
       {"", "{}", "[]", R"({"from":"a","to":"b","slot":"3A7","ecis":[]})",
        R"({"from":"a","to":"b","slot":"3a7","ecis":[1]})", R"({"from":"a","to":"b","slot":"3a7"})",
        R"({"from":1,"to":"b","slot":"3a7","ecis":[]})"}) {
    INFO(bad);
    CHECK(!spime::cluster::decode_pico_move_plan(bad, &back));
  }
}
