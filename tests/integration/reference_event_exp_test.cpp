// The reference's test of event-exp.krl (event expressions: before, after, then, and,
// or, between, not between, and/or/any/count/repeat with aggregators), over HTTP: the
// same table of events, each with the directive it must give (or none).
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

namespace {

struct Step {
  const char* domain;
  const char* name;
  const char* attrs;     // JSON
  const char* expected;  // "" none; a JSON string: a directive of that name without
                         // options; a JSON map: the directive itself
};

// clang-format off
const Step kSteps[] = {
    // steps 1-: ee_before, a before b
    {"ee_before", "a", R"j({})j", ""},
    {"ee_before", "b", R"j({})j", R"j("before")j"},
    {"ee_before", "b", R"j({})j", ""},
    {"ee_before", "b", R"j({})j", ""},
    {"ee_before", "a", R"j({})j", ""},
    {"ee_before", "a", R"j({})j", ""},
    {"ee_before", "c", R"j({})j", ""},
    {"ee_before", "b", R"j({})j", R"j("before")j"},
    // steps 9-: ee_after, a after b
    {"ee_after", "a", R"j({})j", ""},
    {"ee_after", "b", R"j({})j", ""},
    {"ee_after", "a", R"j({})j", R"j("after")j"},
    {"ee_after", "a", R"j({})j", ""},
    {"ee_after", "a", R"j({})j", ""},
    {"ee_after", "b", R"j({})j", ""},
    {"ee_after", "c", R"j({})j", ""},
    {"ee_after", "a", R"j({})j", R"j("after")j"},
    // steps 17-: ee_then, a then b (with an attribute regexp)
    {"ee_then", "a", R"j({"name": "bob"})j", ""},
    {"ee_then", "b", R"j({"name": "bob"})j", R"j("then")j"},
    {"ee_then", "b", R"j({"name": "bob"})j", ""},
    {"ee_then", "a", R"j({"name": "bob"})j", ""},
    {"ee_then", "b", R"j({"name": "..."})j", ""},
    {"ee_then", "b", R"j({"name": "bob"})j", ""},
    // steps 23-: ee_and, a and b
    {"ee_and", "a", R"j({})j", ""},
    {"ee_and", "c", R"j({})j", ""},
    {"ee_and", "b", R"j({})j", R"j("and")j"},
    {"ee_and", "b", R"j({})j", ""},
    {"ee_and", "a", R"j({})j", R"j("and")j"},
    {"ee_and", "b", R"j({})j", ""},
    {"ee_and", "b", R"j({})j", ""},
    {"ee_and", "b", R"j({})j", ""},
    {"ee_and", "a", R"j({})j", R"j("and")j"},
    // steps 32-: ee_or, a or b
    {"ee_or", "a", R"j({})j", R"j("or")j"},
    {"ee_or", "b", R"j({})j", R"j("or")j"},
    {"ee_or", "c", R"j({})j", ""},
    // steps 35-: ee_between, a between(b, c)
    {"ee_between", "b", R"j({})j", ""},
    {"ee_between", "a", R"j({})j", ""},
    {"ee_between", "c", R"j({})j", R"j("between")j"},
    {"ee_between", "b", R"j({})j", ""},
    {"ee_between", "a", R"j({})j", ""},
    {"ee_between", "a", R"j({})j", ""},
    {"ee_between", "c", R"j({})j", R"j("between")j"},
    {"ee_between", "b", R"j({})j", ""},
    {"ee_between", "a", R"j({})j", ""},
    {"ee_between", "b", R"j({})j", ""},
    {"ee_between", "c", R"j({})j", R"j("between")j"},
    // steps 46-: ee_not_between, a not between(b, c)
    {"ee_not_between", "b", R"j({})j", ""},
    {"ee_not_between", "c", R"j({})j", R"j("not between")j"},
    {"ee_not_between", "b", R"j({})j", ""},
    {"ee_not_between", "a", R"j({})j", ""},
    {"ee_not_between", "c", R"j({})j", ""},
    {"ee_not_between", "b", R"j({})j", ""},
    {"ee_not_between", "c", R"j({})j", R"j("not between")j"},
    {"ee_not_between", "c", R"j({})j", ""},
    // steps 54-: ee_andor, (a and b) or c
    {"ee_andor", "c", R"j({})j", R"j("(a and b) or c")j"},
    {"ee_andor", "a", R"j({})j", ""},
    {"ee_andor", "c", R"j({})j", ""},
    {"ee_andor", "b", R"j({})j", R"j("(a and b) or c")j"},
    // steps 58-: ee_orand, a and (b or c)
    {"ee_orand", "a", R"j({})j", ""},
    {"ee_orand", "b", R"j({})j", R"j("a and (b or c)")j"},
    {"ee_orand", "c", R"j({})j", ""},
    {"ee_orand", "a", R"j({})j", R"j("a and (b or c)")j"},
    // steps 62-: ee_and_n, and(a, b, c)
    {"ee_and_n", "a", R"j({})j", ""},
    {"ee_and_n", "c", R"j({})j", ""},
    {"ee_and_n", "b", R"j({})j", R"j("and_n")j"},
    // steps 65-: ee_or_n, or(a, b, c, d)
    {"ee_or_n", "a", R"j({})j", R"j("or_n")j"},
    {"ee_or_n", "d", R"j({})j", R"j("or_n")j"},
    // steps 67-: ee_any, any 2 (a, b, c, d)
    {"ee_any", "a", R"j({})j", ""},
    {"ee_any", "a", R"j({})j", ""},
    {"ee_any", "b", R"j({})j", R"j("any")j"},
    {"ee_any", "c", R"j({})j", ""},
    {"ee_any", "a", R"j({})j", R"j("any")j"},
    // steps 72-: ee_count, count 3 (a)
    {"ee_count", "a", R"j({})j", ""},
    {"ee_count", "a", R"j({})j", ""},
    {"ee_count", "a", R"j({})j", R"j("count")j"},
    {"ee_count", "a", R"j({})j", ""},
    {"ee_count", "a", R"j({})j", ""},
    {"ee_count", "a", R"j({})j", R"j("count")j"},
    {"ee_count", "a", R"j({})j", ""},
    // steps 79-: ee_repeat, repeat 3 (a with an attribute regexp)
    {"ee_repeat", "a", R"j({"name": "bob"})j", ""},
    {"ee_repeat", "a", R"j({"name": "bob"})j", ""},
    {"ee_repeat", "a", R"j({"name": "bob"})j", R"j("repeat")j"},
    {"ee_repeat", "a", R"j({"name": "bob"})j", R"j("repeat")j"},
    {"ee_repeat", "a", R"j({"name": "..."})j", ""},
    {"ee_repeat", "a", R"j({"name": "bob"})j", ""},
    // steps 85-: ee_count_max, count 3 ... max(m)
    {"ee_count_max", "a", R"j({"b": "3"})j", ""},
    {"ee_count_max", "a", R"j({"b": "8"})j", ""},
    {"ee_count_max", "a", R"j({"b": "5"})j", R"j({"name": "count_max", "options": {"m": 8}})j"},
    {"ee_count_max", "a", R"j({"b": "1"})j", ""},
    {"ee_count_max", "a", R"j({"b": "0"})j", ""},
    {"ee_count_max", "a", R"j({"b": "0"})j", R"j({"name": "count_max", "options": {"m": 1}})j"},
    {"ee_count_max", "a", R"j({"b": "0"})j", ""},
    {"ee_count_max", "a", R"j({"b": "0"})j", ""},
    {"ee_count_max", "a", R"j({"b": "7"})j", R"j({"name": "count_max", "options": {"m": 7}})j"},
    // steps 94-: ee_repeat_min, repeat 3 ... min(m)
    {"ee_repeat_min", "a", R"j({"b": "5"})j", ""},
    {"ee_repeat_min", "a", R"j({"b": "3"})j", ""},
    {"ee_repeat_min", "a", R"j({"b": "4"})j", R"j({"name": "repeat_min", "options": {"m": 3}})j"},
    {"ee_repeat_min", "a", R"j({"b": "5"})j", R"j({"name": "repeat_min", "options": {"m": 3}})j"},
    {"ee_repeat_min", "a", R"j({"b": "6"})j", R"j({"name": "repeat_min", "options": {"m": 4}})j"},
    {"ee_repeat_min", "a", R"j({"b": null})j", ""},
    {"ee_repeat_min", "a", R"j({"b": "3"})j", ""},
    {"ee_repeat_min", "a", R"j({"b": "8"})j", ""},
    {"ee_repeat_min", "a", R"j({"b": "1"})j", R"j({"name": "repeat_min", "options": {"m": 1}})j"},
    {"ee_repeat_min", "a", R"j({"b": "2"})j", R"j({"name": "repeat_min", "options": {"m": 1}})j"},
    {"ee_repeat_min", "a", R"j({"b": "3"})j", R"j({"name": "repeat_min", "options": {"m": 1}})j"},
    {"ee_repeat_min", "a", R"j({"b": "4"})j", R"j({"name": "repeat_min", "options": {"m": 2}})j"},
    {"ee_repeat_min", "a", R"j({"b": "5"})j", R"j({"name": "repeat_min", "options": {"m": 3}})j"},
    {"ee_repeat_min", "a", R"j({"b": "6"})j", R"j({"name": "repeat_min", "options": {"m": 4}})j"},
    {"ee_repeat_min", "a", R"j({"b": "7"})j", R"j({"name": "repeat_min", "options": {"m": 5}})j"},
    // steps 109-: ee_repeat_sum, repeat 3 ... sum(m)
    {"ee_repeat_sum", "a", R"j({"b": "1"})j", ""},
    {"ee_repeat_sum", "a", R"j({"b": "2"})j", ""},
    {"ee_repeat_sum", "a", R"j({"b": "3"})j", R"j({"name": "repeat_sum", "options": {"m": 6}})j"},
    {"ee_repeat_sum", "a", R"j({"b": "4"})j", R"j({"name": "repeat_sum", "options": {"m": 9}})j"},
    // steps 113-: ee_repeat_avg, repeat 3 ... avg(m)
    {"ee_repeat_avg", "a", R"j({"b": "1"})j", ""},
    {"ee_repeat_avg", "a", R"j({"b": "2"})j", ""},
    {"ee_repeat_avg", "a", R"j({"b": "3"})j", R"j({"name": "repeat_avg", "options": {"m": 2}})j"},
    {"ee_repeat_avg", "a", R"j({"b": "100"})j", R"j({"name": "repeat_avg", "options": {"m": 35}})j"},
    // steps 117-: ee_repeat_push, repeat 3 ... push(m)
    {"ee_repeat_push", "a", R"j({"b": "1"})j", ""},
    {"ee_repeat_push", "a", R"j({"b": "2"})j", ""},
    {"ee_repeat_push", "a", R"j({"b": "3"})j", R"j({"name": "repeat_push", "options": {"m": ["1", "2", "3"]}})j"},
    {"ee_repeat_push", "a", R"j({"b": "4"})j", R"j({"name": "repeat_push", "options": {"m": ["2", "3", "4"]}})j"},
    {"ee_repeat_push", "a", R"j({"b": "five"})j", ""},
    {"ee_repeat_push", "a", R"j({"b": "6"})j", ""},
    {"ee_repeat_push", "a", R"j({"b": "7"})j", ""},
    {"ee_repeat_push", "a", R"j({"b": "8"})j", R"j({"name": "repeat_push", "options": {"m": ["6", "7", "8"]}})j"},
    // steps 125-: ee_repeat_push_multi, repeat 5 ... push(a, b, c, d) with several captures (d captures nothing)
    {"ee_repeat_push_multi", "a", R"j({"a": "1", "b": "2 three"})j", ""},
    {"ee_repeat_push_multi", "a", R"j({"a": "2", "b": "3 four"})j", ""},
    {"ee_repeat_push_multi", "a", R"j({"a": "3", "b": "4 five"})j", ""},
    {"ee_repeat_push_multi", "a", R"j({"a": "4", "b": "5 six"})j", ""},
    {"ee_repeat_push_multi", "a", R"j({"a": "5", "b": "6 seven"})j", R"j({"name": "repeat_push_multi", "options": {"a": ["1", "2", "3", "4", "5"], "b": ["2", "3", "4", "5", "6"], "c": ["three", "four", "five", "six", "seven"], "d": [null, null, null, null, null]}})j"},
    // steps 130-: ee_repeat_sum_multi, repeat 3 ... sum(a, b)
    {"ee_repeat_sum_multi", "a", R"j({"a": "1", "b": "2"})j", ""},
    {"ee_repeat_sum_multi", "a", R"j({"a": "2", "b": "3"})j", ""},
    {"ee_repeat_sum_multi", "a", R"j({"a": "3", "b": "4"})j", R"j({"name": "repeat_sum_multi", "options": {"a": 6, "b": 9}})j"},
    // steps 133-: ee_or_duppath, (a before a) or a
    {"ee_or_duppath", "a", R"j({})j", R"j("(a before a) or a")j"},
    {"ee_or_duppath", "a", R"j({})j", R"j("(a before a) or a")j"},
    // steps 135-: ee_notbet_duppath, a not between (b, a)
    {"ee_notbet_duppath", "a", R"j({})j", ""},
    {"ee_notbet_duppath", "b", R"j({})j", ""},
    {"ee_notbet_duppath", "a", R"j({})j", R"j("a not between (b, a)")j"},
    // steps 138-: ee_ab_or_b, (a and b) or b
    {"ee_ab_or_b", "b", R"j({})j", R"j("(a and b) or b")j"},
    {"ee_ab_or_b", "a", R"j({})j", ""},
    {"ee_ab_or_b", "b", R"j({})j", R"j("(a and b) or b")j"},
    {"ee_ab_or_b", "b", R"j({})j", R"j("(a and b) or b")j"},
    {"ee_ab_or_b", "a", R"j({})j", ""},
    // steps 143-: ee_ab_or_ca, (a and b) or (c and a)
    {"ee_ab_or_ca", "a", R"j({})j", ""},
    {"ee_ab_or_ca", "c", R"j({})j", R"j("(a and b) or (c and a)")j"},
    {"ee_ab_or_ca", "a", R"j({})j", ""},
    {"ee_ab_or_ca", "b", R"j({})j", R"j("(a and b) or (c and a)")j"},
};
// clang-format on

}  // namespace

TEST_CASE("reference event-exp.krl: event expressions", "[reference]") {
  TestEngine e({"event-exp.krl"});
  int step = 0;
  for (const Step& s : kSteps) {
    ++step;
    json expected = json::array();
    if (*s.expected) {
      json x = json::parse(s.expected);
      expected.push_back(x.is_string() ? dir(x.get<std::string>()) : x);
    }
    INFO("step " << step << ": " << s.domain << ":" << s.name << " " << s.attrs);
    CHECK(e.signal(s.domain, s.name, json::parse(s.attrs)) == expected);
  }
}
