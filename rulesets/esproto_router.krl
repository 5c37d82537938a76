ruleset esproto_router {
  meta {
    name "ESProto router"
    description <<
      Receives the heartbeats of a Wovyn ESProto sensor and turns them into
      meaningful events: one esproto:new_<type>_reading per sensor type found in
      genericThing.data, and esproto:battery_level_low when the battery's
      healthPercent falls under the configured level. Both carry
      device_timestamp: the heartbeat's own timestamp when it has one, else
      the time it was received.
    >>
    author "spime"
    configure using low_battery_percent = 20
    provides lastHeartbeat, lastReadings, lastTemperature, lastHumidity, lastPressure
    shares lastHeartbeat, lastReadings, lastTemperature, lastHumidity, lastPressure, lastProblem
  }

  global {
    // The last heartbeat exactly as the sensor sent it.
    // Why the last malformed heartbeat was refused (null when none was).
    lastProblem = function() {
      ent:lastProblem
    }
    lastHeartbeat = function() {
      ent:lastHeartbeat
    }
    // The last readings of one sensor type: {"readings": [...], "timestamp": ...};
    // without a type, those of every type: {"temperature": {...}, ...}.
    lastReadings = function(sensor_type) {
      sensor_type.isnull() => ent:lastReadings.defaultsTo({}) | ent:lastReadings{sensor_type}
    }
    lastTemperature = function() {
      lastReadings("temperature")
    }
    lastHumidity = function() {
      lastReadings("humidity")
    }
    lastPressure = function() {
      lastReadings("pressure")
    }
    // Which field of a reading holds its value, per sensor type (others: the type's name).
    valueKeys = {"temperature": "temperatureF", "humidity": "humidity", "pressure": "pressure"}
    isNumeric = function(v) {
      t = v.typeof();
      t == "Number" || (t == "String" && v.as("Number").typeof() == "Number")
    }
    readingProblem = function(reading, sensor_type) {
      key = valueKeys{sensor_type}.defaultsTo(sensor_type);
      reading.typeof() != "Map" => <<a #{sensor_type} reading is not a map>>
        | not isNumeric(reading{key}) => <<a #{sensor_type} reading has no numeric #{key}>>
        | null
    }
    readingsProblem = function(readings, sensor_type) {
      readings.typeof() != "Array" => <<genericThing.data.#{sensor_type} is not a list>>
        | readings.map(function(r) { readingProblem(r, sensor_type) })
                  .filter(function(p) { not p.isnull() })
                  .head()
    }
    // Why a heartbeat is malformed, or null when it has the expected shape:
    // genericThing.data is a map of lists of readings, each with a numeric value.
    heartbeatProblem = function(heartbeat) {
      thing = heartbeat{"genericThing"};
      data = thing.typeof() == "Map" => thing{"data"} | null;
      thing.typeof() != "Map" => "the heartbeat has no genericThing map"
        | data.typeof() != "Map" => "genericThing.data is not a map"
        | data.keys().map(function(t) { readingsProblem(data{t}, t) })
                     .filter(function(p) { not p.isnull() })
                     .head()
    }
    // genericThing.data when it has the expected shape (a map of arrays), else {}.
    sensorData = function(thing) {
      data = thing{"data"};
      data.typeof() == "Map" => data | {}
    }
    // The time the sensor itself put in the heartbeat (top level or in
    // genericThing), or null: ESProto firmware does not always send one.
    heartbeatTimestamp = function(heartbeat) {
      thing = heartbeat{"genericThing"};
      own = heartbeat{"timestamp"};
      own => own | thing.typeof() == "Map" => thing{"timestamp"} | null
    }
    // healthPercent as a number; sensors send it as a number or a numeric string.
    healthPercent = function(thing) {
      raw = thing{"healthPercent"};
      raw.isnull() => null | raw.as("Number")
    }
  }

  // A malformed heartbeat ends the event here (`error error`, as the
  // reference: the schedule stops, nothing is recorded or raised, and
  // system:error carries the reason). A device channel with the ESProto
  // attribute schema refuses such a heartbeat before it gets here (400).
  rule validate_heartbeat {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    pre {
      problem = heartbeatProblem(event:attrs)
    }
    if problem then noop()
    fired {
      error error <<malformed heartbeat: #{problem}>>
    }
  }

  // The last refusal, for whoever asks (lastProblem).
  rule note_problem {
    select when system error
    fired {
      ent:lastProblem := event:attr("data")
    }
  }

  rule record_heartbeat {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    pre {
      thing = event:attr("genericThing")
    }
    if thing.typeof() == "Map" then noop()
    fired {
      ent:lastHeartbeat := event:attrs
    }
  }

  rule route_readings {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    foreach sensorData(event:attr("genericThing")) setting(readings, sensor_type)
    pre {
      timestamp = time:now()
      sensor_id = event:attr("emitterGUID")
      device_timestamp = heartbeatTimestamp(event:attrs).defaultsTo(timestamp)
    }
    if readings.typeof() == "Array" then noop()
    fired {
      ent:lastReadings{sensor_type} := {"readings": readings, "timestamp": timestamp};
      raise esproto event <<new_#{sensor_type}_reading>> attributes {
        "readings": readings,
        "sensor_id": sensor_id,
        "timestamp": timestamp,
        "device_timestamp": device_timestamp
      }
    }
  }

  rule check_battery {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    pre {
      health = healthPercent(event:attr("genericThing"))
      timestamp = time:now()
    }
    if health.typeof() == "Number" && health < low_battery_percent then noop()
    fired {
      raise esproto event "battery_level_low" attributes {
        "sensor_id": event:attr("emitterGUID"),
        "health_percent": health,
        "threshold": low_battery_percent,
        "timestamp": timestamp,
        "device_timestamp": heartbeatTimestamp(event:attrs).defaultsTo(timestamp)
      }
    }
  }
}
