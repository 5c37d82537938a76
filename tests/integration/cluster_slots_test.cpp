// Slots on a real `spime serve` (docs/cluster.md, records/ids.h): every ECI
// minted for a pico carries the pico's slot, a child lives in its parent's
// slot, children of the root get slots of their own, and the root (made
// before slots, like any pico of an older store) keeps plain ids.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "engine/runtime/records/ids.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;
using spime::runtime::slot_of_eci;

TEST_CASE("slots: a pico's ECIs carry its slot, which its children share",
          "[integration][cluster]") {
  SpimeServer server;
  const std::string root = server.owner_eci();
  CHECK_FALSE(slot_of_eci(root).has_value());  // the root: plain ids

  ChildPico a = new_child_pico(server, root, "A");
  const auto slot = slot_of_eci(a.family_eci);
  REQUIRE(slot.has_value());
  CHECK(slot_of_eci(a.ui_eci) == slot);
  CHECK(slot_of_eci(a.eci) == slot);  // a channel made later, by a rule
  CHECK(slot_of_eci(new_channel(server, a.eci, "more", allow_all_events(), allow_all_queries())) ==
        slot);
  // The parent's end of the family link is the root's: a plain id.
  CHECK_FALSE(slot_of_eci(must_query(server, a.eci, kWrangler, "parent_eci").get<std::string>())
                  .has_value());

  ChildPico a1 = new_child_pico(server, a.eci, "A1");
  CHECK(slot_of_eci(a1.family_eci) == slot);
  CHECK(slot_of_eci(a1.eci) == slot);
  // Its parent's end is A's, in A's slot.
  CHECK(slot_of_eci(must_query(server, a1.eci, kWrangler, "parent_eci").get<std::string>()) ==
        slot);

  // Children of the root draw their slots: eight of them do not all share one.
  std::set<spime::cluster::Slot> drawn{*slot};
  for (int i = 0; i < 7; ++i) {
    drawn.insert(*slot_of_eci(new_child_pico(server, root, "R" + std::to_string(i)).family_eci));
  }
  CHECK(drawn.size() > 1);

  // The slot is the pico's, kept in its record: the same after a restart.
  server.restart();
  CHECK(slot_of_eci(
            new_channel(server, a1.eci, "after", allow_all_events(), allow_all_queries())) == slot);
}
