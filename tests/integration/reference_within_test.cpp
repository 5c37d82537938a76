// The reference's test of within.krl (`within` windows on event expressions), over
// HTTP.
//
// The reference gives every event a time of its own (useEventInputTime and the
// `time` argument of signal), some 9 minutes or a year apart, some earlier than
// the one before. Over HTTP an event's time is when the engine admits it, by
// its clock: here a driven one (spime serve --manual-clock), set to each
// step's time before the step's event, so every step is the reference's as it
// is, window edges and year-long gaps included, with no real waiting.
#include <catch2/catch.hpp>

#include <cstdint>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

namespace {

struct Step {
  std::int64_t time;  // the event's time (ms since the epoch)
  const char* domain;
  const char* name;
  json attrs;
  const char* fires;  // the directive it answers, or nullptr for none
};

}  // namespace

TEST_CASE("reference within.krl: within windows", "[reference]") {
  TestEngine e({"within.krl"}, manual_clock());
  const json c = {{"b", "c"}};
  const json z = {{"b", "z"}};
  const json no = json::object();
  const Step steps[] = {
      // foo: a before b within 5 minutes
      {10000000000000, "foo", "a", no, nullptr},
      {10000000000001, "foo", "b", no, "foo"},
      {10000000000002, "foo", "a", no, nullptr},
      {10000000555555, "foo", "b", no, nullptr},  // 555553 ms later: too late
      {10000000555556, "foo", "a", no, nullptr},
      {10000000255557, "foo", "b", no, "foo"},  // earlier than its a: fires
      // bar: a before b within 1 + 3 seconds (inclusive)
      {10000000000000, "bar", "a", no, nullptr},
      {10000000003999, "bar", "b", no, "bar"},
      {10000000000000, "bar", "a", no, nullptr},
      {10000000004000, "bar", "b", no, "bar"},
      {10000000000000, "bar", "a", no, nullptr},
      {10000000004001, "bar", "b", no, nullptr},
      // baz: a or (b and c) within 1 year
      {10000000000000, "baz", "a", no, "baz"},
      {10000000000000, "baz", "b", no, nullptr},
      {10031536000000, "baz", "c", no, "baz"},  // exactly a year later
      {10000000000000, "baz", "c", no, nullptr},
      {10040000000000, "baz", "b", no, nullptr},  // 463 days later: c forgotten
      {10050000000000, "baz", "c", no, "baz"},
      // qux: repeat 3 (a with b matching c) within 2 seconds
      {10000000000000, "qux", "a", c, nullptr},
      {10000000000001, "qux", "a", c, nullptr},
      {10000000001002, "qux", "a", c, "qux"},
      {10000000002003, "qux", "a", c, nullptr},
      {10000000002004, "qux", "a", c, nullptr},
      {10000000002005, "qux", "a", c, "qux"},
      {10000000002006, "qux", "a", c, "qux"},
      {10000000002007, "qux", "a", z, nullptr},  // b does not match: the repeat breaks
      {10000000002008, "qux", "a", c, nullptr},
      {10000000002009, "qux", "a", c, nullptr},
      {10000000004008, "qux", "a", c, "qux"},  // the inclusive 2000 ms edge
  };
  int n = 0;
  for (const Step& s : steps) {
    ++n;
    INFO("step " << n << ": " << s.domain << ":" << s.name << " at " << s.time);
    CHECK(set_clock(e.server, s.time) == s.time);
    CHECK(e.signal(s.domain, s.name, s.attrs) ==
          (s.fires ? json::array({dir(s.fires)}) : json::array()));
  }
}
