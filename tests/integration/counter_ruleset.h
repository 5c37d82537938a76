// Rulesets for tests of events between picos (and engines). Rid
// cluster.counter: test:send {to} sends test:got to the ECI `to` without a
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

// rid cluster.readings: test:beat {id} appends the id to ent:ids; the query
// `ids` answers them in the order they ran.
inline constexpr char kReadingsRid[] = "cluster.readings";
inline constexpr char kReadingsRuleset[] = R"(ruleset cluster.readings {
  meta { shares ids }
  global { ids = function() { ent:ids.defaultsTo([]) } }
  rule beat {
    select when test beat
    always { ent:ids := ent:ids.defaultsTo([]).append(event:attr("id")) }
  }
})";

}  // namespace spime::integration
