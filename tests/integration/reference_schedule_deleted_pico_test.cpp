// The reference's test of deleting a pico that has scheduled events (schedule.krl on a
// child pico; the reference's issue #578), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference schedule-deleted-pico: deleting a pico with a repeat keeps the engine going",
          "[reference]") {
  TestEngine e({"schedule.krl"}, manual_clock());
  // step 1: a child pico with schedule.krl and an allow-all channel of its own
  // (the reference: rootPico.newPico with the ruleset, then newChannel; here
  // wrangler:new_child_request, then the same two wrangler events as on the
  // root pico, on a channel made through the child's UI channel)
  ChildPico kid = new_child_pico(e.server, e.server.owner_eci(), "scheduled");
  std::string family_eci = kid.family_eci;  // the root's way to it, for the deletion
  std::string child_eci = allow_all_channel(e.server, kid.eci);
  install_test_file(e.server, child_eci, "schedule.krl");
  // steps 2-3: a repeat on the child: listed
  CHECK(signal(e.server, child_eci, "schedule", "every_1min", {{"name", "orphan"}}) ==
        json::array({dir("every_1min")}));
  json scheduled = query(e.server, child_eci, "io.picolabs.schedule", "listScheduled");
  REQUIRE(scheduled.is_array());
  CHECK(scheduled.size() == 1);
  CHECK((!scheduled.empty() && scheduled[0].value("type", "") == "repeat"));
  // step 4: the root deletes the child
  must_event(e.server, e.server.owner_eci(), "wrangler", "child_deletion_request",
             {{"eci", family_eci}});
  // step 5: the child's channel is gone with it
  CHECK(refused(e.server.query(child_eci, "io.picolabs.schedule", "listScheduled")) ==
        "Error: ECI not found " + child_eci);
  // steps 6-7: the engine still answers on the surviving pico, and it is the
  // only pico. (The reference asks its UI ruleset's box query, which spime
  // does not ship: the wrangler's queries stand in; numberOfPicos() == 1 is
  // the root without children.) Asked again once the repeat has come due
  // (it fires every second): the engine's clock is driven (--manual-clock)
  // 1.5 s on, and /api/clock answers once the schedule timer has met
  // what is due then, so the firing for the deleted pico has happened.
  CHECK(child_ecis(e.server, e.server.owner_eci()).empty());
  advance_clock(e.server, 1500);
  CHECK(e.server.running());
  CHECK(child_ecis(e.server, e.server.owner_eci()).empty());
  CHECK(contains(installed_rids(e.server, e.eci), "io.picolabs.schedule"));
  CHECK(e.signal("schedule", "clear_log") == json::array({dir("clear_log")}));
}
