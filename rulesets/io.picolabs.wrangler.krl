/* spime's wrangler: the developer interface every pico carries.
   Our own version of the pico-engine 1.x wrangler (io.picolabs.wrangler):
   same rid, event names, attributes, raised events and query shapes for
   rulesets, channels and children. Not here (yet): skyQuery over HTTP, the
   engine UI ruleset, and the subscription/pds/did-o rulesets a new child
   installs in the reference. Public entry points are camelCase, internal
   rules snake_case, as the reference.
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

    provides picoQuery,
    channels, createChannel, deleteChannel,
    rulesetConfig, rulesetMeta, installedRIDs,
    children, parent_eci, name, myself

    shares picoQuery,
    channels,
    rulesetConfig, rulesetMeta, installedRIDs,
    children, parent_eci, name, myself, id
  }
  global {
    __testing = { "queries": [ { "name": "name" },
                               { "name": "myself" },
                               { "name": "channels", "args": ["tags"] },
                               { "name": "installedRIDs" },
                               { "name": "children", "args": [] } ],
                  "events": [ { "domain": "wrangler", "name": "new_child_request",
                                "attrs": ["name", "backgroundColor"] },
                              { "domain": "wrangler", "name": "child_deletion_request",
                                "attrs": ["eci"] },
                              { "domain": "wrangler", "name": "new_channel_request",
                                "attrs": ["tags", "eventPolicy", "queryPolicy", "attrsSchema"] },
                              { "domain": "wrangler", "name": "channel_deletion_request",
                                "attrs": ["eci"] },
                              { "domain": "wrangler", "name": "install_ruleset_request",
                                "attrs": ["url"] },
                              { "domain": "wrangler", "name": "install_ruleset_request",
                                "attrs": ["absoluteURL", "rid"] },
                              { "domain": "wrangler", "name": "uninstall_ruleset_request",
                                "attrs": ["rid"] } ] }

    // What a pico gets when it asks itself (the reference's HTTP-shaped answer).
    QUERY_SELF_INVALID_HTTP_MAP = { "status_code": 400,
                                    "status_line": "HTTP/1.1 400 Pico should not query itself",
                                    "content": "{\"error\":\"Pico should not query itself\"}" }

    // ---- queries to other picos --------------------------------------------------------------

    // Calls `func` of ruleset `mod` on the pico behind `eci` (same engine).
    picoQuery = function(eci, mod, func, params) {
      this_pico = ctx:channels.any(function(c) { c{"id"} == eci })
      this_pico => QUERY_SELF_INVALID_HTTP_MAP | ctx:query(eci, mod, func, {}.put(params))
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
      all_channels = ctx:channels
      str_tags = tags.typeof() == "Array" => tags.join(",") | tags
      wanted = tags => str_tags.lc().split(",").sort().join(",") | null
      wanted.isnull() => all_channels
                       | all_channels.filter(function(c) { c{"tags"}.sort().join(",") == wanted })
    }

    deleteChannel = defaction(eci) {
      ctx:delChannel(eci)
    }

    // attrsSchema (optional, ours): a JSON Schema the attributes of every
    // event sent through the channel must satisfy, or the event is refused
    // (400) before the pico sees it.
    createChannel = defaction(tags, eventPolicy, queryPolicy, attrsSchema) {
      ctx:newChannel(tags = tags, eventPolicy = eventPolicy, queryPolicy = queryPolicy,
                     attrsSchema = attrsSchema)
        setting(channel)
      return channel
    }

    // ---- picos -------------------------------------------------------------------------------

    myself = function() {
      { "name": ent:name, "id": ent:id, "eci": ent:eci }
    }

    // Each child as {eci, name, parent_eci}, asking the child's wrangler.
    children = function() {
      describe = function(eci) {
        { "eci": eci,
          "name": ctx:query(eci, ctx:rid, "name"),
          "parent_eci": ctx:query(eci, ctx:rid, "parent_eci") }
      }
      ctx:children.map(describe)
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
    }
    if tags && eventPolicy && queryPolicy then
      createChannel(tags, eventPolicy, queryPolicy, attrsSchema) setting(channel)
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

  // {name, backgroundColor?}: a child pico carrying this wrangler. As the
  // reference, the new pico is set up in the same schedule (ctx:eventQuery
  // on its fresh ECI): here its wrangler:pico_created runs inside this
  // transaction, so the child exists, named, when the answer leaves, or
  // not at all.
  rule createChild {
    select when wrangler new_child_request
      name re#.+#
      backgroundColor re#.*#
    every {
      ctx:newPico(rulesets = [{ "url": ctx:rid_url, "config": {} }]) setting(newEci)
      ctx:eventQuery(eci = newEci, domain = "wrangler", name = "pico_created",
                     attrs = event:attrs, rid = "io.picolabs.wrangler", queryName = "name")
        setting(childName)
    }
    fired {
      raise wrangler event "new_child_created" attributes event:attrs.put({ "eci": newEci })
    }
  }

  rule deleteOneChild {
    select when wrangler child_deletion_request
      eci re#^(.+)$#
      setting(eci)
    ctx:delPico(eci)
    fired {
      raise wrangler event "child_deleted" attributes event:attrs
    }
  }

  // ---- picos: the child's side ---------------------------------------------------------------

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
