// The reference's test of error.krl (`error <level>` in postludes, system:error), over
// HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

namespace {

json error_entry(const std::string& level, const std::string& rule, const std::string& data) {
  return {{"level", level},
          {"data", data},
          {"rid", "io.picolabs.error"},
          {"rule_name", rule},
          {"genus", "user"}};
}

}  // namespace

TEST_CASE("reference error.krl: error statements raise system:error", "[reference]") {
  TestEngine e({"error.krl"});
  const std::string rid = "io.picolabs.error";
  // step 1: nothing logged yet
  CHECK(e.query(rid, "getErrors").is_null());
  // step 2: debug/info/warn errors raise system:error and go on
  CHECK(e.signal("error", "continue_on_error") ==
        json::array({dir("continue_on_errorA"), dir("continue_on_errorB")}));
  // step 3: `error error` stops the rest of the schedule (stop_on_errorB does
  // not run, nor the rule's second error); the event still answers 200 with
  // the directives so far, its writes kept, as the reference (spime refused
  // such an event with 400 and rolled it back until the runtime followed).
  CHECK(e.signal("error", "stop_on_error") == json::array({dir("stop_on_errorA")}));
  // step 4: every system:error was logged, in order (null.append gives [null, ...])
  json expected = json::array({nullptr});
  for (const char* rule : {"continue_on_errorA", "continue_on_errorB"}) {
    for (const char* level : {"debug", "info", "warn"}) {
      expected.push_back(error_entry(level, rule, std::string(rule) + " " + level));
    }
  }
  expected.push_back(error_entry("error", "stop_on_errorA", "stop_on_errorA 1"));
  CHECK(e.query(rid, "getErrors") == expected);
}
