/* spime's subscriptions: relationships between two picos that route events.
   Our own version of the pico-engine 1.x io.picolabs.subscription: the same
   rid, events, attributes, raised events, entity shapes and queries, so that
   client rulesets (`use module io.picolabs.subscription alias subs`) and
   clients that raise its events run unchanged, across engines too.

   The protocol, for pico A asking pico B (B's wellKnown_Rx ECI known to A):
     A  wrangler:subscription {wellKnown_Tx, Rx_role?, Tx_role?, name?,
        channel_type?, Tx_host?, Rx_host?, password?, ...}
        -> A makes its Rx channel, keeps the request in ent:outbound and sends
           wrangler:new_subscription_request to B's wellKnown_Rx (on Tx_host
           when given), roles swapped, Tx = A's Rx, every other attribute
           carried along.
     B  wrangler:new_subscription_request (on its wellKnown_Rx)
        -> B makes its Rx channel and keeps the request in ent:inbound
           (auto-accepted when an autoAcceptConfig entry matches).
     B  wrangler:pending_subscription_approval {Id}
        -> B moves it to ent:established and sends
           wrangler:outbound_pending_subscription_approved (Tx = B's Rx) to
           A's Rx; A moves it to ent:established.
     Either side: wrangler:subscription_cancellation {Id} (established),
        B: wrangler:inbound_rejection {Id}, A: wrangler:outbound_cancellation
        {Id}: the entry goes on both sides, each side deleting its Rx channel.
   An entry ("bus") is {Rx_role?, Tx_role?, Tx_host?, Id, Rx, Tx} (outbound
   entries carry wellKnown_Tx instead of Tx until approved); Tx_host is there
   only when the other pico is on another engine.

   Storage (ours; the queries answer the reference's lists): ent:established,
   ent:inbound and ent:outbound are maps by Id, in the order entries came,
   and ent:Id_by_Rx maps each entry's Rx to its Id. So finding, adding or
   removing one entry costs the same with 10 or 10,000 (a large map is
   written one entry at a time), where lists cost a scan and a rewrite each.
   Lists an older version of this ruleset kept read the same, and become
   maps at the next write. An Id is one subscription: a request naming an Id
   this pico already has is refused (wrangler:duplicate_subscription_Id),
   where the reference would keep two entries, of which only the first
   could be approved or cancelled.

   A peer-originated event that arrives on a subscription's Rx channel acts
   on that subscription only (the one whose Rx is meta:eci), whatever Id it
   names: a peer cannot approve, end or reject another pico's subscription.

   Channel policies. By default the reference's, which real rulesets rely on
   (Manifold's query io.picolabs.wrangler/myself and raise
   wrangler:install_ruleset_request through a subscription's Tx):
   - wellKnown_Rx (tags wellKnown_Rx, Tx_Rx): events wrangler:subscription,
     new_subscription_request and inbound_removal (a requester withdrawing
     its request); queries io.picolabs.subscription/wellKnown_Rx only.
   - each subscription's Rx channel (tags [name, channel_type]): every event
     and every query. Whoever holds a subscription's Tx can manage the pico
     behind it, and whoever holds the well-known ECI can get such a channel
     (wrangler:subscription to a pico of its own).
   Least privilege is a choice:
   - the engine's (spime serve --strict-subscription-policies, read here as
     meta:engineConfig{"strictSubscriptionPolicies"}): the well-known
     channel made then no longer admits wrangler:subscription, and an Rx
     channel's default becomes `strict`: every event except the
     pico-management events of the wrangler, of the engine UI and of this
     ruleset (the protocol's replies a peer sends there, wrangler:
     outbound_pending_subscription_approved, established_removal,
     outbound_removal, stay allowed); every query except the wrangler's that
     reveal channels, children, configuration or query on our behalf
     (picoQuery, channels, children, parent_eci, myself, rulesetConfig),
     this ruleset's established/inbound/outbound and the engine UI's.
   - a subscription's (ours; the reference has no such attributes): on
     wrangler:subscription, Rx_eventPolicy / Rx_queryPolicy are the
     policies of the requester's own Rx channel (instead of the default),
     Tx_eventPolicy / Tx_queryPolicy what it asks for the other side's Rx.
     These travel as the request's Rx_eventPolicy / Rx_queryPolicy (swapped,
     as the roles are), and the acceptor's Rx gets only what both its
     default and the asked policy admit: a peer can narrow, never widen,
     the acceptor's channel. The acceptor may set its Rx policies itself
     with wrangler:pending_subscription_approval's Rx_eventPolicy /
     Rx_queryPolicy (auto-accept keeps what the request asked).

   Health (ours; the reference has none, its issue #196): health(key, value)
   answers, for each established subscription (filtered as established()),
   the entry with "status" and, when not valid, "reason":
   - same engine (no Tx_host): ctx:tryQuery(Tx, io.picolabs.subscription, ping)
     answers -> "valid";
   - another engine (Tx_host): http:get <Tx_host>/c/<Tx>/query/
     io.picolabs.subscription/ping?Id=<Id>:
       status_code 200 and content not an {"error"} map -> "valid";
       status_code 4xx, or 200 with an {"error"} map (the reference answers
       its errors with 200) -> "refused" (the engine answered: unknown ECI,
       pico deleted, denied by policy);
       no status_code (connection refused, reset, timed out) or any other
       status (5xx: a failing or overloaded engine) -> "unreachable".
   The same rule holds on one engine, through ctx:tryQuery (ours: ctx:query
   that answers a refusal instead of failing): an answer -> "valid"; an
   unknown or deleted channel, a policy that denies ping, a failing ping
   -> "refused" (this engine always answers).
*/
ruleset io.picolabs.subscription {
  meta {
    name "subscription "
    description <<
      Tx/Rx ruleset: subscriptions between picos, on one engine or across engines.
    >>
    author "spime"
    provides established, outbound, inbound, subscriptionsPage, wellKnown_Rx, autoAcceptConfig,
             health
    shares established, outbound, inbound, subscriptionsPage, wellKnown_Rx, autoAcceptConfig,
           health, ping
  }

  global {
    __testing = { "queries": [ { "name": "established" }, { "name": "outbound" },
                               { "name": "inbound" },
                               { "name": "subscriptionsPage", "args": ["list", "limit", "cursor"] },
                               { "name": "wellKnown_Rx" },
                               { "name": "autoAcceptConfig" }, { "name": "health" } ],
                  "events": [ { "domain": "wrangler", "name": "subscription",
                                "attrs": [ "wellKnown_Tx", "Rx_role", "Tx_role", "name",
                                           "channel_type", "Tx_host", "password" ] },
                              { "domain": "wrangler", "name": "subscription",
                                "attrs": [ "wellKnown_Tx", "password" ] },
                              { "domain": "wrangler", "name": "pending_subscription_approval",
                                "attrs": [ "Id" ] },
                              { "domain": "wrangler", "name": "subscription_cancellation",
                                "attrs": [ "Id" ] },
                              { "domain": "wrangler", "name": "inbound_rejection",
                                "attrs": [ "Id" ] },
                              { "domain": "wrangler", "name": "outbound_cancellation",
                                "attrs": [ "Id" ] },
                              { "domain": "wrangler", "name": "autoAcceptConfigUpdate",
                                "attrs": [ "configName", "password", "regexMap", "delete" ] },
                              { "domain": "wrangler", "name": "intent_to_delete",
                                "attrs": [ "Id" ] } ] }

    // Written out (not ctx:rid): these are also read when the ruleset is used as a module.
    RID = "io.picolabs.subscription"
    WELL_KNOWN_TAGS = ["wellKnown_Rx", "Tx_Rx"]

    // ---- channel policies (see the header) -----------------------------------------------------

    strict = function() {
      meta:engineConfig{"strictSubscriptionPolicies"} == true
    }
    wellKnown_eventPolicy = function() {
      protocol = [ { "domain": "wrangler", "name": "new_subscription_request" },
                   { "domain": "wrangler", "name": "inbound_removal" } ];
      { "allow": strict() => protocol
                           | [ { "domain": "wrangler", "name": "subscription" } ].append(protocol),
        "deny": [] }
    }
    wellKnown_queryPolicy = {
      "allow": [ { "rid": RID, "name": "wellKnown_Rx" } ],
      "deny": []
    }
    // Events a peer may never raise through a subscription.
    management_events = [
      // the wrangler's
      "install_ruleset_request", "uninstall_ruleset_request", "rulesets_need_flushing",
      "new_channel_request", "channel_deletion_request", "new_child_request",
      "child_deletion_request", "pico_created", "pico_initialized", "child_initialized",
      "root_created", "name_changed", "ready_for_deletion", "ruleset_installed",
      "ruleset_added", "rulesets_need_to_cleanup",
      "child_prototype_setup_needed", "child_prototype_ready", "prototype_channels_needed",
      // this ruleset's own entry points and internal events
      "subscription", "subscription_request_needed", "new_subscription_request",
      "pending_subscription_approval", "inbound_pending_subscription_approved",
      "subscription_cancellation", "inbound_rejection", "inbound_removal",
      "outbound_cancellation", "cancel_subscriptions", "cancel_relationships",
      "send_event_on_subs", "send_event_to_subs", "autoAcceptConfigUpdate",
      "intent_to_delete", "need_wellKnown_Rx"
    ]
    allow_all_eventPolicy = { "allow": [ { "domain": "*", "name": "*" } ], "deny": [] }
    allow_all_queryPolicy = { "allow": [ { "rid": "*", "name": "*" } ], "deny": [] }
    strict_eventPolicy = {
      "allow": [ { "domain": "*", "name": "*" } ],
      "deny": management_events.map(function(n) { { "domain": "wrangler", "name": n } })
                .append([ { "domain": "engine_ui", "name": "*" },
                          { "domain": "engine", "name": "*" } ])
    }
    strict_queryPolicy = {
      "allow": [ { "rid": "*", "name": "*" } ],
      "deny": [ { "rid": "io.picolabs.wrangler", "name": "picoQuery" },
                { "rid": "io.picolabs.wrangler", "name": "channels" },
                { "rid": "io.picolabs.wrangler", "name": "channelsPage" },
                { "rid": "io.picolabs.wrangler", "name": "children" },
                { "rid": "io.picolabs.wrangler", "name": "childrenPage" },
                { "rid": "io.picolabs.wrangler", "name": "parent_eci" },
                { "rid": "io.picolabs.wrangler", "name": "myself" },
                { "rid": "io.picolabs.wrangler", "name": "rulesetConfig" },
                { "rid": RID, "name": "established" },
                { "rid": RID, "name": "inbound" },
                { "rid": RID, "name": "outbound" },
                { "rid": RID, "name": "subscriptionsPage" },
                { "rid": "io.picolabs.pico-engine-ui", "name": "*" } ]
    }
    default_eventPolicy = function() {
      strict() => strict_eventPolicy | allow_all_eventPolicy
    }
    default_queryPolicy = function() {
      strict() => strict_queryPolicy | allow_all_queryPolicy
    }
    // What both policies admit: each pair of allow patterns met (a "*" field
    // takes the other's value, two different values meet nowhere), and every
    // deny of both. `fields`: ["domain", "name"] or ["rid", "name"].
    meet = function(a, b, fields) {
      meet_patterns = function(x, y) {
        fields.reduce(function(acc, f) {
          acc.isnull() => null
          | x{f} == "*" => acc.put(f, y{f})
          | y{f} == "*" || x{f} == y{f} => acc.put(f, x{f})
          | null
        }, {})
      };
      pairs = a{"allow"}.defaultsTo([]).map(function(x) {
        b{"allow"}.defaultsTo([]).map(function(y) { meet_patterns(x, y) })
      });
      { "allow": pairs.reduce(function(acc, met) { acc.append(met) }, [])
                      .filter(function(p) { not p.isnull() }),
        "deny": a{"deny"}.defaultsTo([]).append(b{"deny"}.defaultsTo([])) }
    }
    // The acceptor's Rx policy: its default, narrowed by what the request asks.
    narrowed = function(base, asked, fields) {
      asked.typeof() == "Map" => meet(base, asked, fields) | base
    }
    POLICY_ATTRS = ["Rx_eventPolicy", "Rx_queryPolicy", "Tx_eventPolicy", "Tx_queryPolicy"]
    // The request's attributes for the other side: the requester's Tx_*Policy
    // become the request's Rx_*Policy (its own Rx_*Policy stay here).
    with_asked_policies = function(attrs) {
      base = POLICY_ATTRS.reduce(function(acc, name) { acc.delete(name) }, attrs);
      e = attrs{"Tx_eventPolicy"};
      q = attrs{"Tx_queryPolicy"};
      with_e = e.isnull() => base | base.put("Rx_eventPolicy", e);
      q.isnull() => with_e | with_e.put("Rx_queryPolicy", q)
    }

    // ---- queries -------------------------------------------------------------------------------

    // Each answers its list, or the entries whose `key` is `value` when both are given.
    established = function(key, value) {
      filterOn(by_Id(ent:established), key, value)
    }
    outbound = function(key, value) {
      filterOn(by_Id(ent:outbound), key, value)
    }
    inbound = function(key, value) {
      filterOn(by_Id(ent:inbound), key, value)
    }
    // Ours: one of the lists ("established", the default, "inbound" or
    // "outbound") a page at a time, in the order entries came:
    // {"subscriptions": [...], "next": the cursor of the page after, null
    // after the last}; `limit` 1 to 1000 (default 100), `cursor` a "next"
    // from before (a position, as wrangler:pageOf's).
    subscriptionsPage = function(list, limit, cursor) {
      kept = list == "inbound" => ent:inbound | list == "outbound" => ent:outbound
                                              | ent:established;
      all = by_Id(kept).values();
      asked = limit.isnull() || limit == "" => 100 | limit.as("Number");
      size = asked.isnull() || asked < 1 => 1 | asked > 1000 => 1000 | asked;
      at = cursor.isnull() || cursor == "" => 0 | cursor.as("Number");
      start = at.isnull() || at < 0 => 0 | at;
      end = start + size > all.length() => all.length() | start + size;
      { "subscriptions": start >= end => [] | all.slice(start, end - 1),
        "next": end < all.length() => end.as("String") | null }
    }
    autoAcceptConfig = function() {
      ent:autoAcceptConfig.defaultsTo({})
    }
    // The channel other picos send subscription requests to.
    wellKnown_Rx = function() {
      // ours: the channel made here is remembered (one read, where finding it
      // by tags reads every channel of the pico: the root has one per child);
      // ctx:channelsTagged copies only the channels with these tags
      kept = ent:wellKnown_eci => ctx:channel(ent:wellKnown_eci) | null;
      kept && kept{"tags"} >< "wellknown_rx"
        => kept
        | ctx:channelsTagged(WELL_KNOWN_TAGS.map(function(t) { t.lc() })).head()
    }
    // `kept`: entries by Id. An Id is found at once; any other key by a scan.
    filterOn = function(kept, key, value) {
      found = key == "Id" && value => kept{value} | null;
      key == "Id" && value => (found.isnull() || found{"Id"} != value => [] | [found])
      | key && value => kept.values().filter(function(bus) { bus{key} == value })
      | kept.values()
    }

    // What a peer asks to know that this side still answers (see health).
    ping = function(Id) {
      { "Id": Id, "established": established("Id", Id).length() > 0 }
    }

    // ---- health (see the header for the exact rule) ------------------------------------------

    // {status, reason?} from an answer shaped as http:get's ({status_code, content, error?}).
    classify = function(response) {
      code = response{"status_code"};
      content = response{"content"};
      said_error = content.typeof() == "Map" && not content{"error"}.isnull();
      code == 200 && not said_error => { "status": "valid" }
      | (code >= 400 && code < 500) || (code == 200 && said_error)
          => { "status": "refused", "reason": <<#{code}: #{content.encode()}>> }
      | { "status": "unreachable",
          "reason": code.isnull() || code == 0 => response{"error"}.defaultsTo("no answer")
                                                | <<#{code}: #{content.encode()}>> }
    }
    remote_status = function(bus) {
      url = <<#{bus{"Tx_host"}}/c/#{bus{"Tx"}}/query/#{RID}/ping>>;
      classify(http:get(url, qs = { "Id": bus{"Id"} }, parseJSON = true, errorResponse = true))
    }
    local_status = function(bus) {
      answer = ctx:tryQuery(bus{"Tx"}, RID, "ping", { "Id": bus{"Id"} });
      answer{"ok"} => { "status": "valid" }
                    | { "status": "refused", "reason": <<#{answer{"code"}}: #{answer{"error"}}>> }
    }
    health = function(key, value) {
      established(key, value).map(function(bus) {
        bus.put(bus{"Tx_host"} => remote_status(bus) | local_status(bus))
      })
    }

    // ---- helpers for the rules -----------------------------------------------------------------

    // Entries by Id, from what a variable holds: a map, or the list an
    // older version kept (see the header).
    by_Id = function(kept) {
      kept.typeof() == "Array"
        => kept.reduce(function(acc, bus) { acc.put([bus{"Id"}], bus) }, {})
        | kept.defaultsTo({})
    }
    // Each entry's Id by its Rx (built from the lists when an older version
    // kept none).
    Id_by_Rx = function() {
      index = function(kept) {
        by_Id(kept).values().reduce(function(acc, bus) { acc.put([bus{"Rx"}], bus{"Id"}) }, {})
      };
      ent:Id_by_Rx.isnull()
        => index(ent:established).put(index(ent:inbound)).put(index(ent:outbound))
        | ent:Id_by_Rx
    }
    // Whether this pico has an entry with `Id`, in any list.
    known_Id = function(Id) {
      not by_Id(ent:established){Id}.isnull() || not by_Id(ent:inbound){Id}.isnull()
        || not by_Id(ent:outbound){Id}.isnull()
    }
    // The entry this event is about, among `kept` (entries by Id): on a
    // subscription's own Rx channel that subscription (a peer speaks for its
    // own subscription only: none of `kept` when the channel is another
    // list's); otherwise the one named by Id, else by Rx, else by Tx.
    findBus = function(kept) {
      on_Rx = Id_by_Rx(){meta:eci};
      own = on_Rx.isnull() => null | kept{on_Rx};
      Id = event:attr("Id");
      Rx = event:attr("Rx");
      Tx = event:attr("Tx");
      own && own{"Rx"} == meta:eci => own
      | not on_Rx.isnull() => null
      | Id => kept{Id}
      | Rx => kept.values().filter(function(bus) { bus{"Rx"} == Rx }).head()
      | Tx => kept.values().filter(function(bus) { bus{"Tx"} == Tx }).head()
      | null
    }
    // What travels to the other side: the event's attributes without what
    // the HTTP request added here (its headers may carry credentials).
    carried = function() {
      event:attrs.delete("_headers").delete("__eid")
    }
    // A new pending entry from this event: roles, host (only when another
    // engine), Id (the request's, or a new one).
    pending_entry = function() {
      host = event:attr("Tx_host");
      roles = event:attr("Rx_role") => { "Rx_role": event:attr("Rx_role"),
                                         "Tx_role": event:attr("Tx_role") }
                                    | {};
      with_host = host && host != meta:host => roles.put({ "Tx_host": host }) | roles;
      with_host.put({ "Id": event:attr("Id").defaultsTo(random:uuid()) })
    }

    // ---- auto-accept -------------------------------------------------------------------------

    // A config {configName, password?, entries: {attrName: [regex, ...]}}
    // matches when some attribute of the request matches one of its regexes.
    configMatches = function(config) {
      entries = config{"entries"};
      entries.typeof() == "Map" && entries.map(function(regexes, attr_name) {
        given = event:attr(attr_name);
        not given.isnull() && regexes.typeof() == "Array"
          && regexes.any(function(r) { given.as("String").match(r.as("RegExp")) })
      }).values().any(function(b) { b })
    }
  }

  // ---- the well-known channel ------------------------------------------------------------------

  // Installed by wrangler:install_ruleset_request, by a new child's setup,
  // or on the root at boot (the engine's start or engine_ui:setup).
  rule initialize {
    select when wrangler ruleset_installed where event:attr("rids") >< "io.picolabs.subscription"
             or wrangler pico_initialized
             or engine started
             or engine_ui setup
             or wrangler root_created
    pre {
      found = wellKnown_Rx()
    }
    if found.isnull() then noop()
    fired {
      raise wrangler event "need_wellKnown_Rx" attributes event:attrs
    } else {
      // A channel made by an older version: remembered from now on.
      ent:wellKnown_eci := found{"id"} if ent:wellKnown_eci != found{"id"}
    }
  }

  rule create_wellKnown_Rx {
    select when wrangler need_wellKnown_Rx
    ctx:newChannel(WELL_KNOWN_TAGS, wellKnown_eventPolicy(), wellKnown_queryPolicy)
      setting(channel)
    fired {
      ent:wellKnown_eci := channel{"id"};
      raise wrangler event "wellKnown_Rx_created" attributes event:attrs
    }
  }

  // ---- cleanup: cancel every relationship, telling each other side -----------------------------

  rule register_for_cleanup {
    select when wrangler ruleset_added where event:attr("rids") >< "io.picolabs.subscription"
    always {
      raise wrangler event "ruleset_needs_cleanup_period" attributes { "domain": RID }
    }
  }

  rule cleanup_subscriptions {
    select when wrangler rulesets_need_to_cleanup
    always {
      raise wrangler event "cancel_subscriptions" attributes event:attrs
    }
  }

  rule cancel_all_subscriptions {
    select when wrangler cancel_subscriptions
    pre {
      ids = function(kept) { by_Id(kept).values().map(function(bus) { bus{"Id"} }) }
    }
    always {
      raise wrangler event "cancel_relationships" attributes event:attrs.put({
        "establishedIDs": ids(ent:established),
        "inboundIDs": ids(ent:inbound),
        "outboundIDs": ids(ent:outbound)
      })
    }
  }

  rule cancel_established {
    select when wrangler cancel_relationships
    foreach event:attr("establishedIDs") setting(subID)
    always {
      raise wrangler event "subscription_cancellation" attributes
        event:attrs.delete("establishedIDs").delete("inboundIDs").delete("outboundIDs")
          .put({ "Id": subID })
    }
  }

  rule cancel_inbound {
    select when wrangler cancel_relationships
    foreach event:attr("inboundIDs") setting(subID)
    always {
      raise wrangler event "inbound_rejection" attributes
        event:attrs.delete("establishedIDs").delete("inboundIDs").delete("outboundIDs")
          .put({ "Id": subID })
    }
  }

  rule cancel_outbound {
    select when wrangler cancel_relationships
    foreach event:attr("outboundIDs") setting(subID)
    always {
      raise wrangler event "outbound_cancellation" attributes
        event:attrs.delete("establishedIDs").delete("inboundIDs").delete("outboundIDs")
          .put({ "Id": subID })
    }
  }

  // ---- request (A's side) ----------------------------------------------------------------------

  rule createRxBus {
    select when wrangler subscription
    pre {
      channel_name = event:attr("name").defaultsTo(random:word())
      channel_type = event:attr("channel_type").defaultsTo("Tx_Rx")
      entry = pending_entry().put({ "wellKnown_Tx": event:attr("wellKnown_Tx") })
      eventPolicy = event:attr("Rx_eventPolicy").defaultsTo(default_eventPolicy())
      queryPolicy = event:attr("Rx_queryPolicy").defaultsTo(default_queryPolicy())
    }
    if entry{"wellKnown_Tx"} && not known_Id(entry{"Id"}) then
      ctx:newChannel([channel_name, channel_type], eventPolicy, queryPolicy) setting(channel)
    fired {
      bus = entry.put({ "Rx": channel{"id"} });
      full = bus.put({ "channel_name": channel_name, "channel_type": channel_type });
      ent:outbound := by_Id(ent:outbound).put([bus{"Id"}], bus);
      ent:Id_by_Rx := Id_by_Rx().put([bus{"Rx"}], bus{"Id"});
      raise wrangler event "subscription_request_needed" attributes event:attrs.put(full);
      raise wrangler event "outbound_pending_subscription_added" attributes event:attrs.put(full)
    } else {
      raise wrangler event "wellKnown_Tx_format_failure" attributes event:attrs
        if not entry{"wellKnown_Tx"};
      raise wrangler event "duplicate_subscription_Id" attributes event:attrs
        if entry{"wellKnown_Tx"}
    }
  }

  rule requestSubscription {
    select when wrangler subscription_request_needed
    pre {
      // How the other side reaches us back: Rx_host when given, else this engine's host.
      my_host = event:attr("Rx_host") == "localhost" => null
              | event:attr("Rx_host") => event:attr("Rx_host")
              | meta:host
    }
    event:send({ "eci": event:attr("wellKnown_Tx"),
                 "domain": "wrangler", "type": "new_subscription_request",
                 "attrs": with_asked_policies(carried()).put({ "Rx_role": event:attr("Tx_role"),
                                          "Tx_role": event:attr("Rx_role"),
                                          "Tx": event:attr("Rx"),
                                          "Tx_host": my_host }) },
               event:attr("Tx_host"))
  }

  // ---- request (B's side) ----------------------------------------------------------------------

  rule addInboundPendingSubscription {
    select when wrangler new_subscription_request
    pre {
      entry = pending_entry().put({ "Tx": event:attr("Tx") })
      channel_name = event:attr("channel_name").defaultsTo(random:word())
      channel_type = event:attr("channel_type").defaultsTo("Tx_Rx")
      eventPolicy = narrowed(default_eventPolicy(), event:attr("Rx_eventPolicy"),
                             ["domain", "name"])
      queryPolicy = narrowed(default_queryPolicy(), event:attr("Rx_queryPolicy"), ["rid", "name"])
    }
    if entry{"Tx"} && not known_Id(entry{"Id"}) then
      ctx:newChannel([channel_name, channel_type], eventPolicy, queryPolicy) setting(channel)
    fired {
      ent:inbound := by_Id(ent:inbound).put([entry{"Id"}], entry.put({ "Rx": channel{"id"} }));
      ent:Id_by_Rx := Id_by_Rx().put([channel{"id"}], entry{"Id"});
      raise wrangler event "inbound_pending_subscription_added" attributes
        event:attrs.put({ "Rx": channel{"id"} })
    } else {
      raise wrangler event "no_Tx_failure" attributes event:attrs if not entry{"Tx"};
      raise wrangler event "duplicate_subscription_Id" attributes event:attrs if entry{"Tx"}
    }
  }

  // ---- approval --------------------------------------------------------------------------------

  // The acceptor's own choice of its Rx channel's policies, with its approval.
  rule setInboundRxPolicies {
    select when wrangler pending_subscription_approval
    pre {
      bus = findBus(by_Id(ent:inbound))
      channel = bus => ctx:channel(bus{"Rx"}) | null  // ours: ctx:channels.filter copies all
      eventPolicy = event:attr("Rx_eventPolicy")
      queryPolicy = event:attr("Rx_queryPolicy")
    }
    if channel && (not eventPolicy.isnull() || not queryPolicy.isnull()) then
      ctx:putChannel(channel{"id"}, channel{"tags"},
                     eventPolicy.defaultsTo(channel{"eventPolicy"}),
                     queryPolicy.defaultsTo(channel{"queryPolicy"}))
  }

  rule approveInboundPendingSubscription {
    select when wrangler pending_subscription_approval
    pre {
      bus = findBus(by_Id(ent:inbound))
    }
    if bus then
      event:send({ "eci": bus{"Tx"},
                   "domain": "wrangler", "type": "outbound_pending_subscription_approved",
                   "attrs": carried().put({ "Id": bus{"Id"}, "Tx": bus{"Rx"} }) },
                 bus{"Tx_host"})
    fired {
      raise wrangler event "inbound_pending_subscription_approved" attributes
        event:attrs.put({ "Id": bus{"Id"}, "bus": bus })
    }
  }

  rule addOutboundSubscription {
    select when wrangler outbound_pending_subscription_approved
    pre {
      buses = by_Id(ent:outbound)
      found = findBus(buses)
      bus = found => found.delete("wellKnown_Tx").put({ "Tx": event:attr("Tx") }) | null
    }
    if found && event:attr("Tx") then noop()
    fired {
      ent:established := by_Id(ent:established).put([bus{"Id"}], bus);
      ent:outbound := buses.delete([bus{"Id"}]);
      raise wrangler event "subscription_added" attributes event:attrs.put({ "bus": bus })
    }
  }

  rule addInboundSubscription {
    select when wrangler inbound_pending_subscription_approved
    pre {
      buses = by_Id(ent:inbound)
      bus = buses{event:attr("Id")}
    }
    if bus then noop()
    fired {
      ent:established := by_Id(ent:established).put([bus{"Id"}], bus);
      ent:inbound := buses.delete([bus{"Id"}]);
      raise wrangler event "subscription_added" attributes event:attrs
    }
  }

  // ---- ending an established subscription (either side) ----------------------------------------

  rule cancelEstablished {
    select when wrangler subscription_cancellation
    pre {
      bus = findBus(by_Id(ent:established))
    }
    if bus then
      event:send({ "eci": bus{"Tx"},
                   "domain": "wrangler", "type": "established_removal",
                   "attrs": carried().put({ "Rx": bus{"Tx"}, "Tx": bus{"Rx"}, "Id": bus{"Id"} }) },
                 bus{"Tx_host"})
    fired {
      raise wrangler event "established_removal" attributes
        event:attrs.put({ "Id": bus{"Id"}, "Rx": bus{"Rx"}, "Tx": bus{"Tx"} })
    }
  }

  rule removeEstablished {
    select when wrangler established_removal
    pre {
      buses = by_Id(ent:established)
      bus = findBus(buses)
    }
    if bus then ctx:delChannel(bus{"Rx"})
    fired {
      ent:established := buses.delete([bus{"Id"}]);
      ent:Id_by_Rx := Id_by_Rx().delete([bus{"Rx"}]);
      raise wrangler event "subscription_removed" attributes event:attrs.put({ "bus": bus })
    }
  }

  // ---- rejecting a request (B's side) ----------------------------------------------------------

  rule cancelInbound {
    select when wrangler inbound_rejection
    pre {
      bus = findBus(by_Id(ent:inbound))
    }
    if bus then
      event:send({ "eci": bus{"Tx"},
                   "domain": "wrangler", "type": "outbound_removal",
                   "attrs": carried().put({ "Id": bus{"Id"} }) },
                 bus{"Tx_host"})
    fired {
      raise wrangler event "inbound_removal" attributes
        event:attrs.put({ "Id": bus{"Id"}, "Rx": bus{"Rx"} })
    }
  }

  rule removeInbound {
    select when wrangler inbound_removal
    pre {
      buses = by_Id(ent:inbound)
      bus = findBus(buses)
    }
    if bus then ctx:delChannel(bus{"Rx"})
    fired {
      ent:inbound := buses.delete([bus{"Id"}]);
      ent:Id_by_Rx := Id_by_Rx().delete([bus{"Rx"}]);
      raise wrangler event "inbound_subscription_cancelled" attributes
        event:attrs.put({ "bus": bus })
    }
  }

  // ---- withdrawing a request (A's side) --------------------------------------------------------

  rule cancelOutbound {
    select when wrangler outbound_cancellation
    pre {
      bus = findBus(by_Id(ent:outbound))
    }
    if bus then
      event:send({ "eci": bus{"wellKnown_Tx"},
                   "domain": "wrangler", "type": "inbound_removal",
                   "attrs": carried().put({ "Id": bus{"Id"}, "Tx": bus{"Rx"} }) },
                 bus{"Tx_host"})
    fired {
      raise wrangler event "outbound_removal" attributes
        event:attrs.put({ "Id": bus{"Id"}, "Rx": bus{"Rx"} })
    }
  }

  rule removeOutbound {
    select when wrangler outbound_removal
    pre {
      buses = by_Id(ent:outbound)
      bus = findBus(buses)
    }
    if bus then ctx:delChannel(bus{"Rx"})
    fired {
      ent:outbound := buses.delete([bus{"Id"}]);
      ent:Id_by_Rx := Id_by_Rx().delete([bus{"Rx"}]);
      raise wrangler event "outbound_subscription_cancelled" attributes
        event:attrs.put({ "bus": bus })
    }
  }

  // ---- sending over subscriptions --------------------------------------------------------------

  // {subID?, Tx_role?, Rx_role?, domain, type, attrs?}: the event to every
  // established subscription with that Id or those roles.
  rule sendEventToSubCheck {
    select when wrangler send_event_on_subs
    pre {
      subID = event:attr("subID")
      Tx_role = event:attr("Tx_role")
      Rx_role = event:attr("Rx_role")
      subs = (subID => established("Id", subID) | [])
               .append(Tx_role => established("Tx_role", Tx_role) | [])
               .append(Rx_role => established("Rx_role", Rx_role) | [])
    }
    if subs.length() > 0 && event:attr("domain") && event:attr("type") then noop()
    fired {
      raise wrangler event "send_event_to_subs" attributes event:attrs.put({ "subs": subs })
    } else {
      raise wrangler event "failed_to_send_event_to_sub" attributes event:attrs.put({
        "foundSubsToSendTo": subs.length() > 0,
        "domainGiven": event:attr("domain").as("Boolean"),
        "typeGiven": event:attr("type").as("Boolean")
      })
    }
  }

  rule send_event_to_subs {
    select when wrangler send_event_to_subs
    foreach event:attr("subs") setting(sub)
    event:send({ "eci": sub{"Tx"}, "domain": event:attr("domain"), "type": event:attr("type"),
                 "attrs": event:attr("attrs").defaultsTo({}) },
               sub{"Tx_host"})
  }

  // ---- auto-accept -----------------------------------------------------------------------------

  rule autoAccept {
    select when wrangler inbound_pending_subscription_added
    pre {
      matches = autoAcceptConfig().values().any(function(config) { configMatches(config) })
    }
    if matches then noop()
    fired {
      // What the request asked for this side's Rx is applied already (narrowed).
      raise wrangler event "pending_subscription_approval" attributes
        event:attrs.delete("Rx_eventPolicy").delete("Rx_queryPolicy");
      raise wrangler event "auto_accepted_subscription_request" attributes event:attrs
    }
  }

  // {config: {configName, password?, entries}} or {configName, password?,
  // regexMap (JSON text of entries), delete?}: adds, replaces or deletes one
  // auto-accept config.
  rule autoAcceptConfigUpdate {
    select when wrangler autoAcceptConfigUpdate
    pre {
      given = event:attr("config").defaultsTo({
        "configName": event:attr("configName"),
        "password": event:attr("password"),
        "entries": event:attr("regexMap").decode()
      })
      configName = given{"configName"}
    }
    if configName then noop()
    fired {
      ent:autoAcceptConfig := event:attr("delete") => autoAcceptConfig().delete(configName)
                                                  | autoAcceptConfig().put([configName], given);
      raise wrangler event "auto_accept_config_updated" attributes event:attrs
    } else {
      raise wrangler event "autoAcceptConfigUpdate_failure" attributes event:attrs
    }
  }

  // {Id}: cancel that subscription, then ask the parent to delete this pico.
  rule prepare_to_delete {
    select when wrangler intent_to_delete
      Id re#^(.+)$# setting(Id)
    if established("Id", Id).length() > 0 then noop()
    fired {
      raise wrangler event "subscription_cancellation" attributes event:attrs;
      raise wrangler event "ready_for_deletion"
    }
  }
}
