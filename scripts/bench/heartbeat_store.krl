ruleset bench.heartbeat_store {
  meta {
    name "heartbeat_store"
    description <<
      The ruleset of scripts/reference_pair.sh, which spime and the Node.js
      reference pico-engine both run unchanged: each ESProto heartbeat's
      temperature is stored with a count of heartbeats, and answered with a
      directive.
    >>
    shares temperature, heartbeats
  }
  global {
    temperature = function() {
      ent:temperature
    }
    heartbeats = function() {
      ent:count.defaultsTo(0)
    }
  }
  rule store_heartbeat {
    select when wovyn heartbeat
    pre {
      temperatureF = event:attrs{"genericThing"}{"data"}{"temperature"}[0]{"temperatureF"}
    }
    send_directive("heartbeat", {"temperatureF": temperatureF})
    always {
      ent:temperature := temperatureF;
      ent:count := ent:count.defaultsTo(0) + 1
    }
  }
}
