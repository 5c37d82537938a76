// A ruleset for tests of events between picos (and engines): rid
// cluster.counter. test:send {to} sends test:got to the ECI `to` without a
// host; test:got counts; the query `got` answers the count.
#pragma once

namespace spime::integration {

inline constexpr char kCounterRid[] = "cluster.counter";
inline constexpr char kCounterRuleset[] = R"(ruleset cluster.counter {
  meta { shares got }
  global { got = function() { ent:got.defaultsTo(0) } }
  rule send {
    select when test send
    event:send({"eci": event:attr("to"), "domain": "test", "type": "got"})
  }
  rule got {
    select when test got
    always { ent:got := ent:got.defaultsTo(0) + 1 }
  }
})";

}  // namespace spime::integration
