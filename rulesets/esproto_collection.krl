ruleset esproto_collection {
  meta {
    name "ESProto collection"
    description <<
      A collection of ESProto devices (a hallway, a battery round): keeps the
      logs of the threshold violations and low-battery reports its members
      send over their subscriptions, newest first. Superseded by
      spimes_collection (append-only logs, members, status, nesting); kept
      for the rulesets and clients written against it. Its logs are entity
      variables rewritten on every report: use it for small logs only.
    >>
    author "spime"
    configure using max_log_entries = 1000
    provides violations, lowBattery
    shares violations, lowBattery
  }

  global {
    // The violation log, newest first; at most `limit` entries when given.
    violations = function(limit) {
      log = ent:violations.defaultsTo([]);
      n = limit.isnull() => null | limit.as("Number");
      n.typeof() == "Number" => log.filter(function(v, i) { i < n }) | log
    }
    // The low-battery reports, newest first.
    lowBattery = function() {
      ent:lowBattery.defaultsTo([])
    }
  }

  rule log_violation {
    select when esproto threshold_violation
    pre {
      entry = event:attrs.put({"collection_timestamp": time:now()})
      log = violations()
    }
    fired {
      // Newest first; the oldest entries beyond max_log_entries are dropped.
      ent:violations := [entry].append(log).filter(function(v, i) { i < max_log_entries })
    }
  }

  rule log_battery_low {
    select when esproto battery_level_low
    pre {
      entry = event:attrs.put({"collection_timestamp": time:now()})
    }
    fired {
      ent:lowBattery := [entry].append(lowBattery()).filter(function(v, i) { i < max_log_entries })
    }
  }

  rule reset_logs {
    select when esproto reset_collection_logs
    fired {
      clear ent:violations
      clear ent:lowBattery
    }
  }
}
