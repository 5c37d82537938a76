// The reference's test of within.krl (`within` windows on event expressions), over
// HTTP.
//
// The reference gives every event a time of its own (useEventInputTime and the
// `time` argument of signal), some 9 minutes or a year apart, some earlier than
// the one before. Over HTTP an event's time is when it arrives: gaps of a few
// ms are "at once", gaps beyond a window that lasts seconds are real pauses
// (with a margin), gaps beyond the 5-minute and 1-year windows cannot be
// waited for and are said so at their step; exact window edges (4000 ms for a
// 4 s window) cannot be hit and are sent at once instead.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

using std::chrono::milliseconds;

TEST_CASE("reference within.krl: within windows", "[reference]") {
  TestEngine e({"within.krl"});
  const json none = json::array();
  const json c = {{"b", "c"}};

  // foo: a before b within 5 minutes
  // steps 1-2: 1 ms apart: fires
  CHECK(e.signal("foo", "a") == none);
  CHECK(e.signal("foo", "b") == json::array({dir("foo")}));
  // steps 3-4: b 555553 ms (over 9 minutes) after a: does not fire. Not
  // expressible (a 9-minute wait); step 3's `a` is sent, step 4 is not.
  CHECK(e.signal("foo", "a") == none);
  // steps 5-6: b stamped earlier than a (a negative gap): fires; here at once
  CHECK(e.signal("foo", "a") == none);
  CHECK(e.signal("foo", "b") == json::array({dir("foo")}));

  // bar: a before b within 1 + 3 seconds
  // steps 7-8: 3999 ms apart: fires; here at once
  CHECK(e.signal("bar", "a") == none);
  CHECK(e.signal("bar", "b") == json::array({dir("bar")}));
  // steps 9-10: exactly 4000 ms apart: fires (the window is inclusive); the
  // edge cannot be hit over HTTP, sent at once
  CHECK(e.signal("bar", "a") == none);
  CHECK(e.signal("bar", "b") == json::array({dir("bar")}));
  // steps 11-12: 4001 ms apart: does not fire; here a real 4.5 s pause
  CHECK(e.signal("bar", "a") == none);
  pause_for(milliseconds(4500));
  CHECK(e.signal("bar", "b") == none);

  // baz: a or (b and c) within 1 year
  // step 13: a alone fires
  CHECK(e.signal("baz", "a") == json::array({dir("baz")}));
  // steps 14-15: c exactly a year after b: fires; here at once
  CHECK(e.signal("baz", "b") == none);
  CHECK(e.signal("baz", "c") == json::array({dir("baz")}));
  // steps 16-18: c, then b 463 days later (the window lapses, c is
  // forgotten), then c: fires. Not expressible (a wait of more than a year;
  // sent at once, b would pair with the first c).

  // qux: repeat 3 (a with b matching c) within 2 seconds. The reference's
  // times (ms from the first): 0, 1, 1002 | 2003, 2004, 2005, 2006 | 2007 (b
  // is z) | 2008, 2009, 4008. Here: the first three within 0.2 s, a pause to
  // 2.6 s after the first (the window lapses, as at 2003), the next four at
  // once, the z, then two at once and the last 1 s later (inside the window;
  // the reference's 2000 ms, the inclusive edge, cannot be hit).
  auto first = std::chrono::steady_clock::now();
  // steps 19-21: the third within 2 s fires
  CHECK(e.signal("qux", "a", c) == none);
  CHECK(e.signal("qux", "a", c) == none);
  CHECK(e.signal("qux", "a", c) == json::array({dir("qux")}));
  std::this_thread::sleep_until(first + milliseconds(2600));
  // steps 22-25: the window lapsed: counting starts again; then each further
  // one fires
  CHECK(e.signal("qux", "a", c) == none);
  CHECK(e.signal("qux", "a", c) == none);
  CHECK(e.signal("qux", "a", c) == json::array({dir("qux")}));
  CHECK(e.signal("qux", "a", c) == json::array({dir("qux")}));
  // step 26: an `a` whose b does not match breaks the repeat
  CHECK(e.signal("qux", "a", {{"b", "z"}}) == none);
  // steps 27-29: three again, the last 1 s after the first of them
  auto restart = std::chrono::steady_clock::now();
  CHECK(e.signal("qux", "a", c) == none);
  CHECK(e.signal("qux", "a", c) == none);
  std::this_thread::sleep_until(restart + milliseconds(1000));
  CHECK(e.signal("qux", "a", c) == json::array({dir("qux")}));
}
