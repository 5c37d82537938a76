ruleset esproto_device {
  meta {
    name "ESProto device"
    description <<
      Thresholds per sensor type; every reading is checked against them and a
      violation raises esproto:threshold_violation. Violations and low-battery
      events are sent to every collection the device belongs to: each
      established subscription whose other side's role (Tx_role) is one of
      collection_roles, on this engine or another.
    >>
    author "spime"
    configure using max_violations = 100
                    collection_roles = ["collection"]
    use module io.picolabs.subscription alias subs
    provides thresholds, collections, violations, lastBatteryLow
    shares thresholds, collections, violations, lastBatteryLow
  }

  global {
    // All thresholds, or those of one sensor type:
    // {"temperature": {"upper_limit": 80, "lower_limit": 50}, ...}
    thresholds = function(threshold_type) {
      all = ent:thresholds.defaultsTo({});
      threshold_type.isnull() => all | all{threshold_type}
    }
    // The collections this device reports to: its established subscriptions
    // whose other side plays a collection role ({Id, Tx, Rx, Tx_role, Rx_role,
    // Tx_host?} each, as io.picolabs.subscription keeps them).
    collections = function() {
      subs:established().filter(function(sub) { collection_roles >< sub{"Tx_role"} })
    }
    // This device's recent violations, newest first (at most max_violations).
    violations = function() {
      ent:violations.defaultsTo([])
    }
    // The last esproto:battery_level_low event's attributes, or null.
    lastBatteryLow = function() {
      ent:lastBatteryLow
    }
    // Which field of a reading holds its value, per sensor type.
    valueKeys = {"temperature": "temperatureF", "humidity": "humidity", "pressure": "pressure"}
    // A limit as a number, or null when absent; "78.8" counts as 78.8.
    asLimit = function(v) {
      v.isnull() || v == "" => null | v.as("Number")
    }
    readingValue = function(reading, sensor_type) {
      raw = reading{valueKeys{sensor_type}.defaultsTo(sensor_type)};
      raw.isnull() => null | raw.as("Number")
    }
  }

  rule set_threshold {
    select when esproto new_threshold
    pre {
      threshold_type = event:attr("threshold_type")
      upper = asLimit(event:attr("upper_limit"))
      lower = asLimit(event:attr("lower_limit"))
    }
    if threshold_type.typeof() == "String" && threshold_type != "" then noop()
    fired {
      ent:thresholds{threshold_type} := {"upper_limit": upper, "lower_limit": lower}
    }
  }

  rule check_reading {
    select when esproto new_temperature_reading
             or esproto new_humidity_reading
             or esproto new_pressure_reading
    foreach event:attr("readings").defaultsTo([]) setting(reading)
    pre {
      sensor_type = event:name.extract(re#^new_(.+)_reading$#).head()
      threshold = thresholds(sensor_type)
      value = readingValue(reading, sensor_type)
      upper = threshold{"upper_limit"}
      lower = threshold{"lower_limit"}
      over = not upper.isnull() && value > upper
      under = not lower.isnull() && value < lower
      name = reading{"name"}.defaultsTo(sensor_type)
      message = over => <<#{name} reads #{value}, above its upper limit #{upper}>>
                      | <<#{name} reads #{value}, below its lower limit #{lower}>>
    }
    if threshold.typeof() == "Map" && value.typeof() == "Number" && (over || under) then
      send_directive("threshold_violation", {"sensor_type": sensor_type, "message": message})
    fired {
      raise esproto event "threshold_violation" attributes {
        "reading": reading,
        "value": value,
        "sensor_type": sensor_type,
        "threshold": threshold,
        "direction": over => "above" | "below",
        "message": message,
        "sensor_id": event:attr("sensor_id"),
        "timestamp": event:attr("timestamp")
      }
    }
  }

  rule record_violation {
    select when esproto threshold_violation
    always {
      ent:violations := [event:attrs].append(violations())
                                     .filter(function(v, i) { i < max_violations })
    }
  }

  rule record_battery_low {
    select when esproto battery_level_low
    send_directive("battery_level_low", {"health_percent": event:attr("health_percent")})
    always {
      ent:lastBatteryLow := event:attrs
    }
  }

  rule forward_to_collections {
    select when esproto threshold_violation or esproto battery_level_low
    foreach collections() setting(sub)
    event:send({"eci": sub{"Tx"}, "domain": "esproto", "name": event:name, "attrs": event:attrs},
               sub{"Tx_host"})
  }
}
