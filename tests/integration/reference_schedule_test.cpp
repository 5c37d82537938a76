// The reference's test of schedule.krl (`schedule ... at` / `repeat`, schedule:list),
// over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference schedule.krl: schedule at and repeat", "[reference]") {
  TestEngine e({"schedule.krl"});
  const std::string rid = "io.picolabs.schedule";
  // steps 1-3: a clean log, nothing scheduled
  CHECK(e.signal("schedule", "clear_log") == json::array({dir("clear_log")}));
  CHECK(e.query(rid, "getLog") == json::array());
  CHECK(e.query(rid, "listScheduled") == json::array());
  // steps 4-5: schedule at now + 5 minutes: listed, type "at"
  CHECK(e.signal("schedule", "in_5min", {{"name", "foo"}}) == json::array({dir("in_5min")}));
  json scheduled = e.query(rid, "listScheduled");
  REQUIRE(scheduled.is_array());
  CHECK(scheduled.size() == 1);
  json in5min = scheduled.empty() ? json() : scheduled[0];
  CHECK(in5min.value("type", "") == "at");
  // steps 6-7: schedule repeat every second ("* */1 * * * *", seconds first):
  // listed after the first (in the order they were scheduled), type "repeat"
  CHECK(e.signal("schedule", "every_1min", {{"name", "bar"}}) == json::array({dir("every_1min")}));
  scheduled = e.query(rid, "listScheduled");
  REQUIRE(scheduled.is_array());
  CHECK(scheduled.size() == 2);
  json every1min = scheduled.size() < 2 ? json() : scheduled[1];
  CHECK(every1min.value("type", "") == "repeat");
  // step 8: the list is stable
  CHECK(e.query(rid, "listScheduled") == json::array({in5min, every1min}));
  // step 9: setting(foo) of a schedule statement is the scheduled entry, as
  // listed. The repeat fires every second: by the time of this query its
  // first push_log may already be in the log (the reference test races it
  // too), so only the first two entries are compared.
  json log = e.query(rid, "getLog");
  REQUIRE(log.is_array());
  REQUIRE(log.size() >= 2);
  CHECK(json::array({log[0], log[1]}) ==
        json::array({{{"scheduled in_5min", in5min}}, {{"scheduled every_1min", every1min}}}));
  // not in the reference test: the repeat does fire (polled, bounded), its
  // push_log appending the scheduled attributes
  const json fired = {{"from", "every_1min"}, {"name", "bar"}};
  CHECK(eventually([&] {
    json l = e.query(rid, "getLog");
    return l.is_array() && l.size() > 2 && l.back() == fired;
  }));
}
