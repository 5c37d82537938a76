/* spime's wrangler: the developer interface every pico carries.
   Our own version of the pico-engine 1.x wrangler (io.picolabs.wrangler):
   same rid, event names, attributes, raised events and query shapes for
   rulesets, channels and children, skyQuery and picoQuery. A new child gets
   the engine UI ruleset (when its parent has it), this wrangler and
   io.picolabs.subscription (when registered). Deleting a child deletes its
   subtree, after every pico of it has heard wrangler:rulesets_need_to_cleanup
   (children first). Ours: a new child may be made from a prototype
   (new_child_request's `prototype`: its rulesets, channels, initialization
   events and birth subscriptions, all in the creating transaction; see
   createChild). Not here: the reference's io.picolabs.pds and
   io.picolabs.did-o installs and its did: branch of picoQuery (spime ships
   neither ruleset), and system:online (unused in the reference 1.x).
   Public entry points are camelCase, internal rules snake_case, as the
   reference.
*/
ruleset io.picolabs.wrangler {
  meta {
    name "Wrangler Core"
    description <<
      Wrangler Core Module,
      use example: "use module io.picolabs.wrangler alias wrangler".
      Installed on every pico: rulesets, channels and child picos.
    >>
    author "spime"

    provides skyQuery, picoQuery,
    channels, createChannel, deleteChannel,
    rulesetConfig, rulesetMeta, installedRIDs,
    children, childrenPage, parent_eci, name, myself, channelsPage, pageOf

    shares skyQuery, picoQuery,
    channels, channelsPage,
    rulesetConfig, rulesetMeta, installedRIDs,
    children, childrenPage, parent_eci, name, myself, id
  }
  global {
    __testing = { "queries": [ { "name": "name" },
                               { "name": "myself" },
                               { "name": "channels", "args": ["tags"] },
                               { "name": "channelsPage", "args": ["tags", "limit", "cursor"] },
                               { "name": "installedRIDs" },
                               { "name": "skyQuery",
                                 "args": ["eci", "mod", "func", "params", "_host", "_path", "_root_url"] },
                               { "name": "children", "args": [] },
                               { "name": "childrenPage", "args": ["limit", "cursor"] } ],
                  "events": [ { "domain": "wrangler", "name": "new_child_request",
                                "attrs": ["name", "backgroundColor"] },
                              { "domain": "wrangler", "name": "new_child_request",
                                "attrs": ["name", "prototype"] },
                              { "domain": "wrangler", "name": "child_deletion_request",
                                "attrs": ["eci"] },
                              { "domain": "wrangler", "name": "child_deletion_request",
                                "attrs": ["name"] },
                              { "domain": "wrangler", "name": "new_channel_request",
                                "attrs": ["tags", "eventPolicy", "queryPolicy", "attrsSchema",
                                          "rateLimit"] },
                              { "domain": "wrangler", "name": "channel_deletion_request",
                                "attrs": ["eci"] },
                              { "domain": "wrangler", "name": "install_ruleset_request",
                                "attrs": ["url"] },
                              { "domain": "wrangler", "name": "install_ruleset_request",
                                "attrs": ["absoluteURL", "rid"] },
                              { "domain": "wrangler", "name": "uninstall_ruleset_request",
                                "attrs": ["rid"] } ] }

    ENGINE_UI_RID = "io.picolabs.pico-engine-ui"
    SUBSCRIPTION_RID = "io.picolabs.subscription"

    // What a pico gets when it asks itself (the reference's HTTP-shaped answer).
    QUERY_SELF_INVALID_HTTP_MAP = { "status_code": 400,
                                    "status_line": "HTTP/1.1 400 Pico should not query itself",
                                    "content": "{\"error\":\"Pico should not query itself\"}" }

    // ---- queries to other picos --------------------------------------------------------------

    // <root_url><eci>/<mod>/<func>, root_url defaulting to <_host or meta:host>/sky/cloud/.
    buildWebHook = function(eci, mod, func, _host, _path, _root_url) {
      root_url = _root_url || (_host || meta:host) + (_path || "/sky/cloud/")
      root_url + eci + "/" + mod + "/" + func
    }

    // An http:get answer ({status_code, status_line, content, ...}): the
    // decoded content when the status is 200 and the content is a value
    // without "error"/"error_str"; otherwise a map saying what went wrong.
    processHTTPResponse = function(response) {
      status = response{"status_code"}
      content = response{"content"}.decode()
      is_map = content.typeof() == "Map"
      content_error = is_map && not content{"error"}.isnull() => content{"error"} | 0
      content_error_str = is_map && not content{"error_str"}.isnull() => content{"error_str"} | 0
      failure = { "error": "sky query request was unsuccesful.",
                  "httpStatus": { "code": status, "message": response{"status_line"} },
                  "picoQueryError": content_error,
                  "picoQueryErrorMsg": content_error_str,
                  "picoQueryReturnValue": content }
      bad = content.isnull() || content == "null" || content_error || content_error_str
      status == 200 && not bad => content | failure
    }

    // `func` of ruleset `mod` on the pico behind `eci`, over HTTP (the sky
    // API of the engine at _host, meta:host by default). The http module
    // bounds the time it waits.
    skyQuery = function(eci, mod, func, params, _host, _path, _root_url) {
      this_pico = ctx:hasChannel(eci)  // ours: ctx:channels.any(...) copies every channel
      web_hook = buildWebHook(eci, mod, func, _host, _path, _root_url)
      response = this_pico => QUERY_SELF_INVALID_HTTP_MAP
                            | http:get(web_hook, {}.put(params))
      processHTTPResponse(response)
    }

    // As skyQuery, but a pico of this engine (no _host, or _host is
    // meta:host) is asked directly with ctx:query.
    picoQuery = function(eci, mod, func, params, _host, _path, _root_url) {
      this_pico = ctx:hasChannel(eci)  // ours: ctx:channels.any(...) copies every channel
      this_host = _host.isnull() || _host == meta:host
      this_pico => QUERY_SELF_INVALID_HTTP_MAP
                 | this_host => ctx:query(eci, mod, func, {}.put(params))
                 | processHTTPResponse(http:get(buildWebHook(eci, mod, func, _host, _path, _root_url),
                                                {}.put(params)))
    }

    // ---- rulesets ----------------------------------------------------------------------------

    rulesetByRID = function(rid) {
      ctx:rulesets.filter(function(rs) { rs{"rid"} == rid }).head()
    }

    rulesetConfig = function(rid) {
      rulesetByRID(rid){"config"}
    }

    rulesetMeta = function(rid) {
      rulesetByRID(rid){["meta", "krlMeta"]}
    }

    installedRIDs = function() {
      ctx:rulesets.map(function(rs) { rs{"rid"} })
    }

    // ---- channels ----------------------------------------------------------------------------

    // All channels, or those whose tags are exactly `tags` (an array or a
    // comma separated string, any order, any case).
    channels = function(tags) {
      str_tags = tags.typeof() == "Array" => tags.join(",") | tags
      // ours: ctx:channelsTagged copies only the channels with these tags
      tags => ctx:channelsTagged(str_tags.lc().split(",")) | ctx:channels
    }
    // Ours: channels(tags) a page at a time, in creation order:
    // {"channels": [...], "next"} (pageOf's limit and cursor).
    channelsPage = function(tags, limit, cursor) {
      page = pageOf(channels(tags), limit, cursor);
      { "channels": page{"items"}, "next": page{"next"} }
    }

    // Ours: one page of `all` (an array): {"items": at most `limit` of them
    // (1 to 1000, default 100) from position `cursor` (a "next" from the
    // page before; none: the first page), "next": the cursor of the page
    // after, null after the last}. A cursor is a position: an item removed
    // meanwhile shifts the rest by one. Pages of what a pico keeps in order
    // (children, channels, a collection's members) answer in the size of
    // the page, however many there are.
    pageOf = function(all, limit, cursor) {
      asked = limit.isnull() || limit == "" => 100 | limit.as("Number");
      size = asked.isnull() || asked < 1 => 1 | asked > 1000 => 1000 | asked;
      at = cursor.isnull() || cursor == "" => 0 | cursor.as("Number");
      start = at.isnull() || at < 0 => 0 | at;
      end = start + size > all.length() => all.length() | start + size;
      { "items": start >= end => [] | all.slice(start, end - 1),
        "next": end < all.length() => end.as("String") | null }
    }

    deleteChannel = defaction(eci) {
      ctx:delChannel(eci)
    }

    // attrsSchema (optional, ours): a JSON Schema the attributes of every
    // event sent through the channel must satisfy, or the event is refused
    // (400) before the pico sees it. rateLimit (optional, ours):
    // {"per_second", "burst"}, events a second its outside senders may send
    // (then 429).
    createChannel = defaction(tags, eventPolicy, queryPolicy, attrsSchema, rateLimit) {
      ctx:newChannel(tags = tags, eventPolicy = eventPolicy, queryPolicy = queryPolicy,
                     attrsSchema = attrsSchema, rateLimit = rateLimit)
        setting(channel)
      return channel
    }

    // ---- picos -------------------------------------------------------------------------------

    myself = function() {
      { "name": ent:name, "id": ent:id, "eci": ent:eci }
    }

    // Each child as {eci, name, parent_eci}, asking the child's wrangler.
    children = function() {
      ctx:children.map(child_info)
    }
    child_info = function(eci) {
      { "eci": eci,
        "name": ctx:query(eci, ctx:rid, "name"),
        "parent_eci": ctx:query(eci, ctx:rid, "parent_eci") }
    }
    // Ours: children() a page at a time, in creation order, asking only the
    // page's children: {"children": [...], "next"} (pageOf's limit and
    // cursor).
    childrenPage = function(limit, cursor) {
      page = pageOf(ctx:children, limit, cursor);
      { "children": page{"items"}.map(child_info), "next": page{"next"} }
    }

    parent_eci = function() {
      ent:parent_eci
    }

    name = function() {
      ent:name
    }

    id = function() {
      meta:picoId
    }
  }

  // ---- rulesets ------------------------------------------------------------------------------

  // {absoluteURL, rid}: the ruleset `rid` next to absoluteURL.
  rule install_ruleset_relatively {
    select when wrangler install_ruleset_request
      absoluteURL re#(.+)#
      rid re#(.+)#
      setting(absoluteURL, rid)
    pre {
      parts = absoluteURL.split("/")
      url = parts.splice(parts.length() - 1, 1, rid + ".krl").join("/")
    }
    fired {
      raise wrangler event "install_ruleset_request" attributes
        event:attrs.delete("absoluteURL").put({ "url": url })
    }
  }

  // {url, config?}: (re)load the source and install it on this pico.
  rule install_ruleset_absolutely {
    select when wrangler install_ruleset_request
      url re#(.+)#
      setting(url)
    pre {
      config = event:attr("config") || {}
    }
    every {
      ctx:flush(url = url)
      ctx:install(url = url, config = config) setting(rid)
    }
    fired {
      raise wrangler event "ruleset_installed" attributes event:attrs.put({ "rids": [rid] })
    }
  }

  rule uninstall_one_ruleset {
    select when wrangler uninstall_ruleset_request
      rid re#(.+)#
      setting(rid)
    ctx:uninstall(rid)
    fired {
      raise wrangler event "ruleset_uninstalled" attributes event:attrs
    }
  }

  rule flush_all_rulesets {
    select when wrangler rulesets_need_flushing
    foreach ctx:rulesets setting(rs)
      ctx:flush(rs{"url"})
    fired {
      raise wrangler event "rulesets_flushed" on final
    }
  }

  // ---- channels ------------------------------------------------------------------------------

  rule createChannel {
    select when wrangler new_channel_request
    pre {
      tags = event:attrs{"tags"}
      eventPolicy = event:attrs{"eventPolicy"}
      queryPolicy = event:attrs{"queryPolicy"}
      attrsSchema = event:attrs{"attrsSchema"}
      rateLimit = event:attrs{"rateLimit"}
    }
    if tags && eventPolicy && queryPolicy then
      createChannel(tags, eventPolicy, queryPolicy, attrsSchema, rateLimit) setting(channel)
    fired {
      raise wrangler event "channel_created" attributes event:attrs.put({ "channel": channel })
    }
  }

  rule deleteChannel {
    select when wrangler channel_deletion_request
      eci re#^(.+)$#
      setting(eci)
    deleteChannel(eci)
    fired {
      raise wrangler event "channel_deleted" attributes event:attrs
    }
  }

  // ---- picos: the parent's side --------------------------------------------------------------

  // {name, backgroundColor?, prototype?, ...}: a child pico carrying the
  // engine UI ruleset (when this pico has it, with its config), this
  // wrangler and io.picolabs.subscription (when registered). As the
  // reference, the new pico is set up in the same schedule (ctx:eventQuery
  // on its fresh ECI): its wrangler:pico_created, then its engine_ui:setup
  // and engine_ui:box, run inside this transaction, so the child exists,
  // named, with its UI channel, when the answer leaves, or not at all.
  //
  // Ours: with `prototype` (the name of one of the engine's prototypes,
  // prototypes:get), the child also gets the prototype's rulesets, each
  // with its config (installed with the others, from the url its rid is
  // registered from now), then, in this order and in this same transaction
  // (child_prototype_setup_needed below): its channels, its initialization
  // events, its subscriptions to sibling collections, and the answer's
  // new_child directive. Any failure there (an unknown prototype or
  // collection, a rule error, an `error error` in an initialization event)
  // fails the request: nothing of the child remains.
  rule createChild {
    select when wrangler new_child_request
      name re#.+#
      backgroundColor re#.*#
    pre {
      ui = rulesetByRID(ENGINE_UI_RID)
      subscription_url = ctx:registeredURL(SUBSCRIPTION_RID)
      prototype_name = event:attr("prototype")
      prototype = prototype_name.isnull() => null | prototypes:get(prototype_name)
      prototype_rulesets = prototype.isnull() => []
        | prototype{"rulesets"}.map(function(r) {
            { "url": ctx:registeredURL(r{"rid"}).defaultsTo(r{"url"}), "config": r{"config"} }
          })
      rulesets = (ui => [{ "url": ui{"url"}, "config": ui{"config"} }] | [])
        .append([{ "url": ctx:rid_url, "config": {} }])
        .append(subscription_url => [{ "url": subscription_url, "config": {} }] | [])
        .append(prototype_rulesets)
    }
    every {
      ctx:newPico(rulesets = rulesets) setting(newEci)
      ctx:eventQuery(eci = newEci, domain = "wrangler", name = "pico_created",
                     attrs = event:attrs, rid = "io.picolabs.wrangler", queryName = "name")
        setting(childName)
    }
    fired {
      raise wrangler event "child_ui_setup_needed" attributes event:attrs.put({ "eci": newEci })
        if ui;
      raise wrangler event "child_prototype_setup_needed"
        attributes event:attrs.put({ "eci": newEci }) if prototype;
      raise wrangler event "new_child_created" attributes event:attrs.put({ "eci": newEci })
        if not ui
    }
  }

  // ---- picos from a prototype (ours): the parent's side ---------------------------------------
  // Internal: raised by createChild, run in its schedule, in rule order.

  // The prototype's channels, made by the child (prototype_channels_needed),
  // each tagged with its name; the child's directives map names to ECIs.
  rule create_child_prototype_channels {
    select when wrangler child_prototype_setup_needed
      eci re#(.+)#
      setting(newEci)
    pre {
      prototype = prototypes:get(event:attr("prototype"))
    }
    if ctx:hasChild(newEci) then
      ctx:eventWait(eci = newEci, domain = "wrangler", name = "prototype_channels_needed",
                    attrs = { "channels": prototype{"channels"} }, failOnError = true)
        setting(made)
    fired {
      ecis = made{"directives"}
        .filter(function(d) { d{"name"} == "prototype_channel" })
        .reduce(function(acc, d) { acc.put(d{["options", "name"]}, d{["options", "eci"]}) }, {});
      raise wrangler event "child_prototype_ready"
        attributes event:attrs.put({ "eci": newEci, "channels": ecis })
    }
  }

  // Its initialization events, in order, through the family channel; an
  // `error error` in one fails the creation (failOnError) as a rule error does.
  rule initialize_child_from_prototype {
    select when wrangler child_prototype_setup_needed
      eci re#(.+)#
      setting(newEci)
    foreach prototypes:get(event:attr("prototype")){"initialization"} setting(init)
    if ctx:hasChild(newEci) then
      ctx:eventWait(eci = newEci, domain = init{"domain"}, name = init{"type"},
                    attrs = init{"attributes"}, failOnError = true)
  }

  // Its birth subscriptions: the sibling named `collection` (another child
  // of this pico) is found by name, and the new child asks to join it on
  // its well-known channel (wrangler:subscription, Rx_role the
  // subscriber_role, Tx_role the collection_role). Whether the collection
  // accepts is its rulesets' business, after this transaction.
  rule subscribe_child_at_birth {
    select when wrangler child_prototype_setup_needed
      eci re#(.+)#
      setting(newEci)
    foreach prototypes:get(event:attr("prototype")){"subscriptions"} setting(sub)
    pre {
      collection = sub{"collection"}
      sibling = children()
        .filter(function(c) { c{"name"} == collection && c{"eci"} != newEci })
        .head()
      wellKnown = sibling.isnull()
        => ctx:fail(<<prototype #{event:attr("prototype")}: no child named #{collection} to subscribe to>>)
         | ctx:query(sibling{"eci"}, SUBSCRIPTION_RID, "wellKnown_Rx")
      wellKnown_Tx = wellKnown.isnull()
        => ctx:fail(<<prototype #{event:attr("prototype")}: #{collection} has no well-known channel (#{SUBSCRIPTION_RID})>>)
         | wellKnown{"id"}
    }
    if ctx:hasChild(newEci) then
      ctx:eventWait(eci = newEci, domain = "wrangler", name = "subscription",
                    attrs = { "wellKnown_Tx": wellKnown_Tx,
                              "Rx_role": sub{"subscriber_role"},
                              "Tx_role": sub{"collection_role"} },
                    failOnError = true)
  }

  // The answer's directive: the new child, its channels by name, and where
  // its sensor posts heartbeats when it has a "transducer" channel.
  rule report_prototype_child {
    select when wrangler child_prototype_ready
      eci re#(.+)#
      setting(newEci)
    pre {
      id = ctx:query(newEci, ctx:rid, "id")
      channels = event:attr("channels")
      transducer = channels{"transducer"}
      heartbeat_url = transducer.isnull() => {}
        | { "transducer_url": meta:host + "/sky/event/" + transducer + "/heartbeat/wovyn/heartbeat" }
    }
    every {
      // Ours: its fixed MQTT topics (the prototype's mqtt.topics and
      // mqtt.instructions), recorded in this transaction.
      prototypes:bindTopics(event:attr("prototype"), event:attr("name"), channels, id)
      send_directive("new_child", { "id": id,
                                    "eci": newEci,
                                    "name": event:attr("name"),
                                    "prototype": event:attr("prototype"),
                                    "channels": channels }.put(heartbeat_url))
    }
  }

  // Internal (raised by createChild): the new child's UI channel and box,
  // as the reference (engine_ui:setup, then engine_ui:box on the UI channel).
  rule setup_child_ui {
    select when wrangler child_ui_setup_needed
      eci re#(.+)#
      setting(newEci)
    pre {
      // Kept after the first child: looking it up walks all channels (one per child).
      parentUiEci = ent:ui_eci || channels("engine,ui").head(){"id"}
      box = { "name": event:attr("name"),
              "backgroundColor": event:attr("backgroundColor") || "#87CEFA",
              "parentUiEci": parentUiEci }
    }
    every {
      ctx:eventQuery(eci = newEci, domain = "engine_ui", name = "setup",
                     rid = ENGINE_UI_RID, queryName = "uiECI") setting(newUiEci)
      ctx:eventWait(eci = newUiEci, domain = "engine_ui", name = "box", attrs = box)
    }
    fired {
      ent:ui_eci := parentUiEci
      raise wrangler event "new_child_created"
        attributes event:attrs.put({ "eci": newEci, "uiEci": newUiEci })
    }
  }

  // An eci that is not a child's: ctx:delPico's error, as the reference
  // (before deleteOneChild, which removes the child).
  rule refuse_unknown_child {
    select when wrangler child_deletion_request
      eci re#(.+)#
      setting(eci)
    if not ctx:hasChild(eci) then ctx:delPico(eci)
  }

  // {eci} (a child's family ECI, as `children` lists it) or {name} (the
  // oldest child of that name): deletes that child and its whole subtree.
  // First every pico of the subtree hears wrangler:rulesets_need_to_cleanup,
  // children before parents (see pass_cleanup_on), so that its rulesets
  // (subscriptions) can let others know; then ctx:delPico erases the picos,
  // their channels, state and schedules. An unknown eci is an error (as the
  // reference); an unknown name deletes nothing.
  rule deleteOneChild {
    select when wrangler child_deletion_request
    pre {
      given_eci = event:attr("eci")
      given_name = event:attr("name")
      by_name = function(name) {
        children().filter(function(c) { c{"name"} == name }).head(){"eci"}
      }
      eci = given_eci => given_eci | given_name => by_name(given_name) | null
      known = not eci.isnull() && ctx:hasChild(eci)
    }
    if known then every {
      ctx:eventWait(eci = eci, domain = "wrangler", name = "rulesets_need_to_cleanup", attrs = {})
      ctx:delPico(eci)
    }
    fired {
      raise wrangler event "child_deleted" attributes event:attrs.put({ "eci": eci })
    }
  }

  // ---- picos: the child's side ---------------------------------------------------------------

  // Internal (ours, raised by the parent's create_child_prototype_channels):
  // the prototype's channels, each answered as a prototype_channel directive
  // {name, eci}.
  rule create_prototype_channels {
    select when wrangler prototype_channels_needed
    foreach event:attr("channels").defaultsTo([]) setting(c)
    every {
      createChannel(c{"tags"}, c{"event_policy"}, c{"query_policy"}, c{"attrs_schema"},
                    c{"rate_limit"})
        setting(channel)
      send_directive("prototype_channel", { "name": c{"name"}, "eci": channel{"id"} })
    }
  }

  rule initialize_child_after_creation {
    select when wrangler pico_created
    fired {
      ent:parent_eci := ctx:parent
      ent:name := event:attr("name")
      ent:id := ctx:picoId
      ent:eci := event:eci
      raise wrangler event "pico_initialized" attributes event:attrs.put("eci", event:eci)
    }
  }

  rule finish_child_initialization {
    select when wrangler pico_initialized
    event:send({ "eci": ent:parent_eci,
                 "domain": "wrangler", "type": "child_initialized",
                 "attrs": event:attrs })
  }

  // The root pico names itself once (the reference does this on engine_ui:setup).
  rule pico_root_created {
    select when engine_ui setup or wrangler root_created
    if ent:id.isnull() && ent:parent_eci.isnull() then noop()
    fired {
      ent:id := ctx:picoId
      ent:eci := channels("system,self").head(){"id"}
      ent:name := "Pico"
    }
  }

  rule take_note_of_name_change {
    select when wrangler name_changed
      name re#(.+)#
      setting(name)
    fired {
      ent:name := name
    }
  }

  // Before this pico is deleted: its children clean up first (each passes it
  // on to its own), then this pico's other rulesets hear the same event
  // (this ruleset is installed before them, so its rule runs first).
  rule pass_cleanup_on {
    select when wrangler rulesets_need_to_cleanup
    foreach ctx:children setting(child_eci)
      ctx:eventWait(eci = child_eci, domain = "wrangler", name = "rulesets_need_to_cleanup",
                    attrs = event:attrs)
  }

  rule child_initiates_deletion {
    select when wrangler ready_for_deletion
    pre {
      my_eci = channels("system,child").head().get("id")
    }
    if my_eci then
      event:send({ "eci": ent:parent_eci,
                   "domain": "wrangler", "type": "child_deletion_request",
                   "attrs": { "eci": my_eci } })
  }
}
