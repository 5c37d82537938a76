ruleset esproto_collection {
  meta {
    name "ESProto collection"
    description <<
      A collection of ESProto devices (a hallway, a battery round): keeps the
      log of threshold violations its members report, newest first.
    >>
    author "spime"
    configure using max_log_entries = 1000
    provides violations
    shares violations
  }

  global {
    // The violation log, newest first; at most `limit` entries when given.
    violations = function(limit) {
      log = ent:violations.defaultsTo([]);
      n = limit.isnull() => null | limit.as("Number");
      n.typeof() == "Number" => log.filter(function(v, i) { i < n }) | log
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

  rule reset_logs {
    select when esproto reset_collection_logs
    fired {
      clear ent:violations
    }
  }
}
