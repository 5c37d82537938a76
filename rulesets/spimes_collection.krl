/* A spime collection: a pico standing for a group of spimes (a hallway, the
   devices whose battery needs a round). Its members are picos subscribed
   to it through io.picolabs.subscription; a member may be a device
   (esproto_device), another collection, or a pico on another engine.

   Membership. A member is an established subscription this collection
   accepted, recorded by its Id in ent:members ({name, id, eci, Tx_host?,
   subscriber_role}; eci is the member's side of the subscription, the Tx),
   and ent:member_index maps each member's id to that Id, so whether a pico
   is a member is known at once however many there are.
   Accepted are: requests whose Id the owner announced
   (spimes:member_invited, which spimes:add_to_collection sends before the
   member asks), and requests whose roles match this collection's
   collection_role and subscriber_role, so members join without a human.
   A subscription this collection asked for with spimes_collection (being
   added to an outer collection) is remembered in ent:outer: what it logs
   goes there too.

   Logs (the `logs` module: append-only, O(1) per append, retention by
   max_log_entries and max_log_age_seconds, never rewritten): violations,
   battery and presence. Each report is appended under its id (the
   device's <pico id>:<counter>), so one that arrives twice (a device that
   is a direct member and a member of a member collection) is logged once.
   A report newly logged here goes on to the outer collections with this
   collection's id added to its `path`; a report whose path holds this
   collection already is dropped (the run-time guard against loops; spimes
   refuses them when adding).

   status() and last_readings() ask the members live, one query each, when
   they are called: ctx:tryQuery through the subscription for members on
   this engine, an HTTP GET of <Tx_host>/sky/cloud/<eci>/... (bounded by
   the engine's http timeout) for members on another. Nothing is written
   here per heartbeat: a heartbeat does not become an event per collection.
*/
ruleset spimes_collection {
  meta {
    name "spimes collection"
    description <<
      A collection of spimes: accepts members (devices, other collections,
      picos on other engines) through subscriptions, logs the violations,
      low-battery and presence reports they send (append-only, each report
      once), forwards them to its own collections, shows its members'
      status and last readings, and relays instructions to them.
      Supersedes esproto_collection.
    >>
    author "spime"
    configure using max_log_entries = 100000
                    max_log_age_seconds = 2592000
                    collection_role = "collection"
                    subscriber_role = "device"
    use module io.picolabs.subscription alias subs
    use module io.picolabs.wrangler alias wrangler
    provides members, violations, battery_alerts, presence, last_readings, status, info
    shares members, violations, battery_alerts, presence, last_readings, status, info, member_ids,
           has_member, members_page
  }

  global {
    // Which log each report goes to.
    LOGS = { "threshold_violation": "violations", "battery_level_low": "battery",
             "device_silent": "presence", "device_back": "presence" }

    // What a client holding the collection's own channel (info's eci) may do.
    CLIENT_EVENT_POLICY = {
      "allow": [ { "domain": "spimes", "name": "instruct_members" },
                 { "domain": "spimes", "name": "remove_member" } ],
      "deny": [] }
    CLIENT_QUERY_POLICY = {
      "allow": [ { "rid": "spimes_collection", "name": "*" },
                 { "rid": "io.picolabs.wrangler", "name": "name" } ],
      "deny": [] }

    // ---- queries ---------------------------------------------------------------------------

    // [{name, id, eci, Tx_host (when on another engine), subscriber_role}], in joining order.
    members = function() {
      ent:members.defaultsTo({}).values().map(function(m) { public(m) })
    }
    // members() a page at a time: {"members": [...], "next": the cursor of
    // the next page, null after the last}; `limit` 1 to 1000 (default 100),
    // `cursor` a "next" from before (a position: a member leaving meanwhile
    // shifts the rest by one).
    members_page = function(limit, cursor) {
      page = wrangler:pageOf(ent:members.defaultsTo({}).values(), limit, cursor);
      { "members": page{"items"}.map(function(m) { public(m) }), "next": page{"next"} }
    }
    // Pages of the logs, newest first: {"entries": [{"cursor", "time", "entry"}], "next"}.
    violations = function(limit, since, until, cursor) {
      page("violations", limit, since, until, cursor)
    }
    battery_alerts = function(limit, since, until, cursor) {
      page("battery", limit, since, until, cursor)
    }
    presence = function(limit, since, until, cursor) {
      page("presence", limit, since, until, cursor)
    }
    // [{name, id, last_heard, battery, silent}] per member, asked live
    // (nulls for a member that does not answer or is not a device).
    status = function() {
      members().map(function(m) {
        s = ask(m, "esproto_device", "status");
        known = s.typeof() == "Map" => s | {};
        { "name": m{"name"}, "id": m{"id"}, "last_heard": known{"last_heard"},
          "battery": known{"battery"}, "silent": known{"silent"} }
      })
    }
    // [{name, id, readings: {<type>: {"readings": [...], "timestamp"}} or null}] per member.
    last_readings = function() {
      members().map(function(m) {
        { "name": m{"name"}, "id": m{"id"}, "readings": ask(m, "esproto_router", "lastReadings") }
      })
    }
    // This collection for its owner (spimes:collections): eci is a channel
    // for clients (this ruleset's queries, spimes:instruct_members).
    info = function() {
      { "name": wrangler:name(), "id": meta:picoId, "eci": ent:client_eci,
        "members": ent:members.defaultsTo({}).length(),
        "collection_role": collection_role, "subscriber_role": subscriber_role }
    }
    // The ids of the members and of those invited and not yet joined (spimes
    // checks these for duplicates and loops).
    member_ids = function() {
      ids = function(records) { records.defaultsTo({}).values().map(function(m) { m{"id"} }) };
      ids(ent:members).append(ids(ent:invitations))
    }
    // Whether `id` is among member_ids(), without listing them.
    has_member = function(id) {
      not member_index(){id}.isnull()
        || ent:invitations.defaultsTo({}).values().any(function(m) { m{"id"} == id })
    }

    // ---- helpers ---------------------------------------------------------------------------

    // Each member's id to its subscription Id (built from ent:members when a
    // collection made by an older version has none).
    member_index = function() {
      ent:member_index.isnull()
        => ent:members.defaultsTo({}).keys()
             .reduce(function(acc, Id) { acc.put([ent:members{[Id, "id"]}], Id) }, {})
        | ent:member_index
    }
    public = function(m) {
      base = { "name": m{"name"}, "id": m{"id"}, "eci": m{"eci"} };
      with_host = m{"Tx_host"} => base.put({ "Tx_host": m{"Tx_host"} }) | base;
      with_host.put({ "subscriber_role": m{"subscriber_role"} })
    }
    page = function(log, limit, since, until, cursor) {
      logs:range(log, { "limit": limit.defaultsTo(25), "since": asTime(since),
                        "until": asTime(until), "cursor": cursor })
    }
    // Query arguments come as text: "1700000000000" is ms since the epoch.
    asTime = function(t) {
      t.typeof() == "String" && t.match(re#^[0-9]+$#) => t.as("Number") | t
    }
    // `name` of ruleset `rid` on a member, or null when it does not answer.
    ask = function(m, rid, name) {
      m{"Tx_host"} => ask_remote(m, rid, name) | ask_local(m{"eci"}, rid, name)
    }
    ask_local = function(eci, rid, name) {
      answer = ctx:tryQuery(eci, rid, name, {});
      answer{"ok"} => answer{"value"} | null
    }
    ask_remote = function(m, rid, name) {
      url = <<#{m{"Tx_host"}}/sky/cloud/#{m{"eci"}}/#{rid}/#{name}>>;
      r = http:get(url, parseJSON = true, errorResponse = true);
      content = r{"content"};
      failed = content.typeof() == "Map" && not content{"error"}.isnull();
      r{"status_code"} == 200 && not failed => content | null
    }
    // The subscriptions to collections this one is a member of.
    // (Looked up by Id: a report costs the same with 10 or 10,000 members.)
    outer = function() {
      ent:outer.defaultsTo({}).keys()
        .map(function(Id) { subs:established("Id", Id).head() })
        .filter(function(sub) { not sub.isnull() })
    }
    // A member's record from the request that made it (the inbound
    // subscription request's attributes).
    record = function(attrs, invitation) {
      host = attrs{"Tx_host"};
      remote = host && host != meta:host;
      eci = attrs{"Tx"};
      name = invitation{"name"} || attrs{"member_name"}
             || (remote => null | ask_local(eci, "io.picolabs.wrangler", "name"));
      id = invitation{"id"} || attrs{"member_id"}
           || (remote => null | ask_local(eci, "io.picolabs.wrangler", "id"));
      base = { "name": name.defaultsTo(eci), "id": id.defaultsTo(eci), "eci": eci,
               "subscriber_role": invitation{"subscriber_role"}.defaultsTo(attrs{"Tx_role"}) };
      remote => base.put({ "Tx_host": host }) | base
    }

    // The log entries: exactly these keys (clients read them).
    violation_entry = function(a) {
      t = a{"threshold"};
      limit = t.typeof() != "Map" => t
            | a{"direction"} == "above" => t{"upper_limit"}
            | t{"lower_limit"};
      { "device_name": a{"device_name"}, "device_id": a{"device_id"},
        "sensor_type": a{"sensor_type"}, "value": a{"value"}, "threshold": limit,
        "direction": a{"direction"}, "message": a{"message"},
        "device_timestamp": a{"device_timestamp"}, "received": a{"received"}, "id": a{"id"} }
    }
    battery_entry = function(a) {
      { "device_name": a{"device_name"}, "device_id": a{"device_id"},
        "health_percent": a{"health_percent"}, "threshold": a{"threshold"},
        "device_timestamp": a{"device_timestamp"}, "received": a{"received"}, "id": a{"id"} }
    }
    presence_entry = function(a, state) {
      { "device_name": a{"device_name"}, "device_id": a{"device_id"}, "state": state,
        "last_heard": a{"last_heard"}, "received": a{"received"}, "id": a{"id"} }
    }
    entry_for = function(name, attrs) {
      // A report from a device that gives none (an older esproto_device):
      // an id of its own, so nesting still logs it once.
      a = attrs.put({ "id": attrs{"id"}.defaultsTo(random:uuid()),
                      "received": attrs{"received"}.defaultsTo(attrs{"timestamp"}) });
      name == "threshold_violation" => violation_entry(a)
      | name == "battery_level_low" => battery_entry(a)
      | presence_entry(a, name == "device_silent" => "silent" | "back")
    }
  }

  // ---- a channel for clients ---------------------------------------------------------------

  rule setup {
    select when wrangler ruleset_installed where event:attr("rids") >< "spimes_collection"
             or wrangler pico_initialized
             or spimes collection_setup
             or spimes member_invited
    if ent:client_eci.isnull() then
      ctx:newChannel(["spimes", "collection"], CLIENT_EVENT_POLICY, CLIENT_QUERY_POLICY)
        setting(channel)
    fired {
      ent:client_eci := channel{"id"}
    }
  }

  // ---- membership --------------------------------------------------------------------------

  // From the owner (spimes:add_to_collection), before the member asks:
  // {Id, member_id, member_name, subscriber_role}.
  rule invite_member {
    select when spimes member_invited
    pre {
      Id = event:attr("Id")
    }
    if Id then noop()
    fired {
      ent:invitations{Id} := { "id": event:attr("member_id"), "name": event:attr("member_name"),
                               "subscriber_role": event:attr("subscriber_role") }
    }
  }

  rule accept_member {
    select when wrangler inbound_pending_subscription_added
    pre {
      Id = event:attr("Id")
      invitation = Id => ent:invitations{Id} | null
      roles_match = event:attr("Rx_role").defaultsTo("") == collection_role
                    && event:attr("Tx_role").defaultsTo("") == subscriber_role
    }
    if Id && event:attr("Tx") && (invitation || roles_match) then noop()
    fired {
      member = record(event:attrs, invitation.defaultsTo({}));
      ent:members{Id} := member;
      ent:member_index := member_index().put([member{"id"}], Id);
      clear ent:invitations{Id} if invitation;
      raise wrangler event "pending_subscription_approval" attributes { "Id": Id }
    }
  }

  // Being added to an outer collection (spimes asked this pico to subscribe).
  rule remember_outer {
    select when wrangler outbound_pending_subscription_added
    pre {
      Id = event:attr("Id")
      collection = event:attr("spimes_collection")
    }
    if Id && collection then noop()
    fired {
      ent:outer{Id} := collection
    }
  }

  rule forget_subscription {
    select when wrangler subscription_removed
             or wrangler inbound_subscription_cancelled
             or wrangler outbound_subscription_cancelled
    pre {
      Id = event:attr("bus"){"Id"}.defaultsTo(event:attr("Id"))
      member = Id => ent:members{Id} | null
      known = Id && (not member.isnull() || not ent:outer{Id}.isnull())
      indexed = not member.isnull() && member_index(){member{"id"}} == Id
    }
    if known then noop()
    fired {
      clear ent:members{Id};
      ent:member_index := member_index().delete([member{"id"}]) if indexed;
      clear ent:outer{Id}
    }
  }

  // {member}: a member's id, name or eci; ends its subscription on both
  // sides (or withdraws its invitation). Not a member: nothing happens.
  rule remove_member {
    select when spimes remove_member
    pre {
      who = event:attr("member")
      matches = function(m) { m{"id"} == who || m{"name"} == who || m{"eci"} == who }
      Id = ent:members.defaultsTo({}).filter(function(m, k) { matches(m) }).keys().head()
      invited = ent:invitations.defaultsTo({}).filter(function(m, k) { matches(m) }).keys().head()
    }
    if who && (Id || invited) then
      send_directive("member_removed", { "member": who })
    fired {
      raise wrangler event "subscription_cancellation" attributes { "Id": Id } if Id;
      clear ent:invitations{invited} if invited
    }
  }

  // ---- reports from members ----------------------------------------------------------------

  rule log_report {
    select when esproto threshold_violation or esproto battery_level_low
             or esproto device_silent or esproto device_back
    pre {
      given_path = event:attr("path")
      path = given_path.typeof() == "Array" => given_path | []
      looped = path >< meta:picoId
      entry = entry_for(event:name, event:attrs)
    }
    if not looped then
      logs:append(LOGS{event:name}, entry, { "key": entry{"id"}, "max_count": max_log_entries,
                                             "max_age_seconds": max_log_age_seconds })
        setting(cursor)
    fired {
      raise spimes event "report_logged" attributes {
        "name": event:name, "entry": entry, "path": path.append(meta:picoId)
      } if cursor
    }
  }

  // A report logged here for the first time goes on to the outer collections.
  rule forward_report {
    select when spimes report_logged
    foreach outer() setting(sub)
    event:send({ "eci": sub{"Tx"}, "domain": "esproto", "name": event:attr("name"),
                 "attrs": event:attr("entry").put({ "path": event:attr("path") }) },
               sub{"Tx_host"})
  }

  // ---- instructions ------------------------------------------------------------------------

  // {settings}: sent to every member as esproto:new_instructions (a member
  // collection sends them on to its own members; path guards against loops).
  rule instruct_members {
    select when spimes instruct_members or esproto new_instructions
    foreach members() setting(m)
    pre {
      settings = event:attr("settings")
      given_path = event:attr("path")
      path = given_path.typeof() == "Array" => given_path | []
    }
    if settings.typeof() == "Map" && not (path >< meta:picoId) then
      event:send({ "eci": m{"eci"}, "domain": "esproto", "name": "new_instructions",
                   "attrs": { "settings": settings, "path": path.append(meta:picoId) } },
                 m{"Tx_host"})
  }
}
