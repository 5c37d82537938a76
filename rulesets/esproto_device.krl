/* The device side of an ESProto spime (with esproto_router installed before
   it on the same pico).

   Reports. Every threshold violation and low-battery report, and the
   device_silent / device_back presence events, get a unique id
   (<pico id>:<epoch>:<counter>, see reportId), the device's name and id, device_timestamp (the
   heartbeat's own time when it has one) and received (when this pico got
   the heartbeat), and go to every collection the device belongs to. A
   collection logs a report under its id, so one that reaches it twice (a
   device in both an inner and an outer collection) is logged once.

   Collections: the established subscriptions whose other side plays one of
   collection_roles, and those spimes:add_to_collection made (their
   wrangler:subscription carries spimes_collection; remembered by Id, so a
   collection whose role is "" is recognised too).

   History: each reading is appended to the log readings_<type> (the `logs`
   module: append-only, bounded by max_history_entries and
   max_history_age_seconds, O(1) per append); history() pages it.

   Silence, without a timer per heartbeat: a heartbeat only writes last-heard
   (one entity variable: time, battery, interval, silent), so it costs O(1)
   and no schedule operation once a check is armed. One durable `schedule ... at` entry per device checks
   it: when the check fires, a device heard within missed_heartbeats x
   interval gets the next check at last_heard + that window (at most one
   firing per window, however often it beats); otherwise device_silent goes
   to its collections once and nothing is scheduled until the next
   heartbeat, which sends device_back and arms the check again. The
   interval is heartbeat_interval_seconds, or the heartbeat's own
   genericThing.heartbeatSeconds when it has one. A check carries a token:
   one that is not the armed one (raised by hand, or left over) does nothing.

   Instructions for a sleeping device: esproto:new_instructions {settings}
   merges into the pending settings; the answer to the next valid heartbeat
   (a malformed one is stopped by the router before this ruleset runs)
   carries them once as the directive {"name": "instructions", "options":
   settings}, in the same transaction that records them in the log
   `instructions` ({settings, delivered}) and clears them.
*/
ruleset esproto_device {
  meta {
    name "ESProto device"
    description <<
      Thresholds per sensor type; every reading is checked against them and a
      violation raises esproto:threshold_violation. Violations, low-battery
      reports and presence (device_silent, device_back) are sent to every
      collection the device belongs to. Keeps a bounded history per sensor
      type, detects silence with one durable schedule entry, and hands
      pending instructions to the device in the answer to its next heartbeat.
    >>
    author "spime"
    configure using max_violations = 100
                    collection_roles = ["collection"]
                    max_history_entries = 10000
                    max_history_age_seconds = 172800
                    heartbeat_interval_seconds = 300
                    missed_heartbeats = 3
    use module io.picolabs.subscription alias subs
    use module io.picolabs.wrangler alias wrangler
    provides thresholds, collections, violations, lastBatteryLow, history, status, instructions
    shares thresholds, collections, violations, lastBatteryLow, history, status, instructions,
           silence_check
  }

  global {
    // All thresholds, or those of one sensor type:
    // {"temperature": {"upper_limit": 80, "lower_limit": 50}, ...}
    thresholds = function(threshold_type) {
      all = ent:thresholds.defaultsTo({});
      threshold_type.isnull() => all | all{threshold_type}
    }
    // The collections this device reports to ({Id, Tx, Rx, Tx_role, Rx_role,
    // Tx_host?} each, as io.picolabs.subscription keeps them).
    collections = function() {
      joined = ent:joined.defaultsTo({});
      subs:established().filter(function(sub) {
        collection_roles >< sub{"Tx_role"} || not joined{sub{"Id"}}.isnull()
      })
    }
    // This device's recent violations, newest first (at most `limit`,
    // default max_violations, and 1000).
    violations = function(limit) {
      n = limit.isnull() => max_violations | limit.as("Number");
      page = logs:range("violations", { "limit": clamp(n, 1, 1000) });
      page{"entries"}.map(function(e) { e{"entry"} })
    }
    // The last esproto:battery_level_low report, or null.
    lastBatteryLow = function() {
      ent:lastBatteryLow
    }
    // One page of a sensor type's readings, newest first:
    // {"entries": [{"cursor", "time", "entry": {"name", "value",
    // "device_timestamp"}}], "next": cursor or null}. since/until: ISO text
    // or ms since the epoch.
    history = function(sensor_type, limit, since, until, cursor) {
      logs:range(<<readings_#{sensor_type}>>, {
        "limit": limit.defaultsTo(25), "since": asTime(since), "until": asTime(until),
        "cursor": cursor
      })
    }
    // What a collection shows of this device.
    status = function() {
      heard = ent:heard.defaultsTo({});
      { "name": wrangler:name(), "id": meta:picoId, "last_heard": heard{"time"},
        "battery": heard{"battery"}, "silent": heard{"silent"}.defaultsTo(false),
        "heartbeat_interval_seconds": interval(), "missed_heartbeats": missed_heartbeats }
    }
    // {"pending": settings not yet delivered, "delivered": the newest page of the log}.
    instructions = function() {
      { "pending": ent:pending_instructions.defaultsTo({}),
        "delivered": logs:range("instructions", { "limit": 25 }) }
    }

    // Where an MQTT sensor finds its instructions: spime/<ECI>/instructions
    // once it has beaten, and its prototype's fixed topic (mqtt.instructions).
    instruction_topics = function() {
      transducer = ent:heard.defaultsTo({}){"eci"};
      fixed = mqtt:deviceTopics(){"instructions"};
      (transducer.isnull() => [] | [<<spime/#{transducer}/instructions>>])
        .append(fixed.isnull() => [] | [fixed])
    }

    // The silence check: when it is due (null: none armed, the device is
    // silent or never beat) and how many scheduled events this ruleset
    // holds (1 or 0).
    silence_check = function() {
      { "due": ent:silence_check{"due"}, "scheduled": schedule:list().length() }
    }

    clamp = function(n, low, high) {
      n.typeof() != "Number" => low | n < low => low | n > high => high | n
    }
    // Query arguments come as text: "1700000000000" is ms since the epoch.
    asTime = function(t) {
      t.typeof() == "String" && t.match(re#^[0-9]+$#) => t.as("Number") | t
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
    // Report ids are <pico id>:<epoch>:<n>. The epoch is drawn with the
    // first report after this ruleset is installed (its entity variables
    // start empty), so a reinstalled device never reuses an id a
    // collection has logged, and would drop as a repeat.
    reportId = function(counter) {
      <<#{meta:picoId}:#{counter{"epoch"}}:#{counter{"n"}}>>
    }
    nextCounter = function() {
      counter = ent:reports.defaultsTo({ "epoch": random:uuid(), "n": 0 });
      counter.put({ "n": counter{"n"} + 1 })
    }
    // Seconds between heartbeats: the last heartbeat's own, else the configured.
    interval = function() {
      ent:heard{"interval"}.defaultsTo(heartbeat_interval_seconds)
    }
    // A heartbeat's own interval (genericThing.heartbeatSeconds), or null.
    ownInterval = function(thing) {
      s = thing.typeof() == "Map" => asLimit(thing{"heartbeatSeconds"}) | null;
      s.typeof() == "Number" && s > 0 => s | null
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
      counter = nextCounter()
    }
    if threshold.typeof() == "Map" && value.typeof() == "Number" && (over || under) then
      send_directive("threshold_violation", {"sensor_type": sensor_type, "message": message})
    fired {
      ent:reports := counter;
      raise esproto event "threshold_violation" attributes {
        "reading": reading,
        "value": value,
        "sensor_type": sensor_type,
        "threshold": threshold,
        "direction": over => "above" | "below",
        "message": message,
        "sensor_id": event:attr("sensor_id"),
        "timestamp": event:attr("timestamp"),
        "id": reportId(counter),
        "device_name": wrangler:name(),
        "device_id": meta:picoId,
        "device_timestamp": event:attr("device_timestamp").defaultsTo(event:attr("timestamp")),
        "received": event:attr("timestamp")
      }
    }
  }

  rule record_history {
    select when esproto new_temperature_reading
             or esproto new_humidity_reading
             or esproto new_pressure_reading
    foreach event:attr("readings").defaultsTo([]) setting(reading)
    pre {
      sensor_type = event:name.extract(re#^new_(.+)_reading$#).head()
      value = readingValue(reading, sensor_type)
      entry = { "name": reading{"name"}.defaultsTo(sensor_type), "value": value,
                "device_timestamp": event:attr("device_timestamp")
                                      .defaultsTo(event:attr("timestamp")) }
    }
    if value.typeof() == "Number" then
      logs:append(<<readings_#{sensor_type}>>, entry,
                  { "max_count": max_history_entries, "max_age_seconds": max_history_age_seconds })
  }

  rule record_violation {
    select when esproto threshold_violation
    logs:append("violations", event:attrs, { "max_count": max_violations })
  }

  // Also what forward_to_collections sends for this event (it runs after
  // this rule, on the same event).
  rule record_battery_low {
    select when esproto battery_level_low
    pre {
      counter = nextCounter()
      report = {
        "id": reportId(counter),
        "device_name": wrangler:name(),
        "device_id": meta:picoId,
        "device_timestamp": event:attr("device_timestamp").defaultsTo(event:attr("timestamp")),
        "received": event:attr("timestamp")
      }
    }
    send_directive("battery_level_low", {"health_percent": event:attr("health_percent")})
    always {
      ent:reports := counter;
      ent:lastBatteryLow := event:attrs.put(report)
    }
  }

  rule forward_to_collections {
    select when esproto threshold_violation or esproto battery_level_low
             or esproto device_silent or esproto device_back
    foreach collections() setting(sub)
    pre {
      attrs = event:name == "battery_level_low" => ent:lastBatteryLow | event:attrs
    }
    event:send({"eci": sub{"Tx"}, "domain": "esproto", "name": event:name, "attrs": attrs},
               sub{"Tx_host"})
  }

  // ---- collections joined through spimes:add_to_collection ---------------------------------

  rule remember_collection {
    select when wrangler outbound_pending_subscription_added
    pre {
      Id = event:attr("Id")
      collection = event:attr("spimes_collection")
    }
    if Id && collection then noop()
    fired {
      ent:joined{Id} := collection
    }
  }

  rule forget_collection {
    select when wrangler subscription_removed or wrangler outbound_subscription_cancelled
    pre {
      Id = event:attr("bus"){"Id"}.defaultsTo(event:attr("Id"))
    }
    if Id && not ent:joined{Id}.isnull() then noop()
    fired {
      clear ent:joined{Id}
    }
  }

  // ---- the heartbeat: last heard, silence, instructions (see the header) ----------------------

  // One rule on the hot path: it writes last-heard (ent:heard: time,
  // battery, interval, silent) and reads the armed check and the pending
  // instructions; it schedules only when no check is armed (the first
  // heartbeat, or the first after a silence, which also reports the device
  // back), and hands the pending instructions over when there are some.
  rule note_heartbeat {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    pre {
      thing = event:attr("genericThing")
      now = time:now()
      previous = ent:heard.defaultsTo({})
      raw_health = thing.typeof() == "Map" => thing{"healthPercent"} | null
      health = raw_health.isnull() => previous{"battery"} | raw_health.as("Number")
      seconds = ownInterval(thing).defaultsTo(interval())
      was_silent = previous{"silent"} == true
      check = ent:silence_check.defaultsTo({})
      armed = not check{"due"}.isnull()
      pending = ent:pending_instructions.defaultsTo({})
      deliver = pending.keys().length() > 0
    }
    if deliver then every {
      send_directive("instructions", pending)
      logs:append("instructions", { "settings": pending, "delivered": now }, { "max_count": 1000 })
    }
    always {
      ent:heard := { "time": now, "battery": health, "interval": seconds, "silent": false,
                     "eci": meta:eci };
      clear ent:pending_instructions if deliver;
      // Armed here, scheduled by silence_arm (see arm_silence_check).
      ent:silence_check := { "id": null, "token": check{"token"}.defaultsTo(0) + 1,
                             "due": time:add(now, { "seconds": missed_heartbeats * seconds }) }
        if not armed;
      ent:reports := nextCounter() if was_silent;
      raise esproto event "device_back" attributes {
        "id": reportId(ent:reports),
        "device_name": wrangler:name(),
        "device_id": meta:picoId,
        "state": "back",
        "last_heard": now,
        "silent_since": previous{"time"},
        "received": now
      } if was_silent
    }
  }

  // A scheduled event goes to the channel of the event that scheduled it,
  // and a heartbeat comes in on the transducer channel, which admits
  // heartbeats only: the check is scheduled from an event on this pico's own
  // system,self channel instead, once per arming (the first heartbeat, the
  // first after a silence), so every check that follows goes there too.
  rule arm_silence_check {
    select when wovyn heartbeat or wovynEmitter thingHeartbeat
    pre {
      check = ent:silence_check.defaultsTo({})
      self_eci = check{"id"}.isnull() && not check{"due"}.isnull()
        => wrangler:channels("system,self").head(){"id"} | null
    }
    if self_eci then
      event:send({ "eci": self_eci, "domain": "esproto", "type": "silence_arm",
                   "attrs": { "token": check{"token"}, "due": check{"due"} } })
  }

  rule silence_arm {
    select when esproto silence_arm
    pre {
      check = ent:silence_check.defaultsTo({})
      current = check{"id"}.isnull() && not check{"due"}.isnull()
        && event:attr("token") == check{"token"}
    }
    if current then noop()
    fired {
      schedule esproto event "silence_check" at check{"due"}
        attributes { "token": check{"token"} } setting(id);
      ent:silence_check := check.put({ "id": id })
    }
  }

  // The one scheduled check (see the header): heard in time, the next at
  // last heard + the window; otherwise silent, reported once, no next.
  rule check_silence {
    select when esproto silence_check
    pre {
      check = ent:silence_check.defaultsTo({})
      current = not check{"due"}.isnull() && event:attr("token") == check{"token"}
      heard = ent:heard.defaultsTo({})
      window = missed_heartbeats * interval()
      deadline = heard{"time"} => time:add(heard{"time"}, { "seconds": window }) | null
      in_time = not deadline.isnull() && time:now() < deadline
      token = check{"token"}.defaultsTo(0) + 1
    }
    if current && in_time then noop()
    fired {
      schedule esproto event "silence_check" at deadline attributes { "token": token }
        setting(id);
      ent:silence_check := { "id": id, "token": token, "due": deadline }
    } else {
      ent:silence_check := { "token": check{"token"}, "due": null } if current;
      ent:heard := heard.put({ "silent": true }) if current;
      ent:reports := nextCounter() if current;
      raise esproto event "device_silent" attributes {
        "id": reportId(ent:reports),
        "device_name": wrangler:name(),
        "device_id": meta:picoId,
        "state": "silent",
        "last_heard": heard{"time"},
        "expected_within_seconds": window,
        "received": time:now()
      } if current
    }
  }

  // ---- instructions for a sleeping device ----------------------------------------------------

  rule new_instructions {
    select when esproto new_instructions
    pre {
      settings = event:attr("settings")
    }
    if settings.typeof() == "Map" && settings.keys().length() > 0 then noop()
    fired {
      ent:pending_instructions := ent:pending_instructions.defaultsTo({}).put(settings)
    }
  }

  // For an MQTT sensor: the pending settings, retained on spime/<ECI>/
  // instructions, the ECI being the channel its heartbeats come in on, and
  // on the device's own fixed topic when its prototype names one
  // (mqtt.instructions, e.g. sensors/<name>/instructions: a sensor that
  // publishes to a fixed topic does not know its ECI). The bridge publishes
  // them after the commit, and the sensor gets them when it subscribes (when
  // it wakes). They still go out in the next heartbeat's answer too, as above.
  rule publish_instructions {
    select when esproto new_instructions
    foreach instruction_topics() setting(topic)
    pre {
      pending = ent:pending_instructions.defaultsTo({})
    }
    if pending.keys().length() > 0 then mqtt:publish(topic, pending, true)
  }
}
