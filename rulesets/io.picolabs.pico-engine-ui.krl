/* spime's engine UI ruleset: our own version of the pico-engine 1.x
   io.picolabs.pico-engine-ui, with its rid, events and query shapes, so that
   clients written for the reference (its web UI included) find their way
   around a pico tree here too. Installed on the root pico at boot and on
   every child the wrangler creates.

   Each pico gets one channel tagged "engine","ui" (engine_ui:setup): it
   admits the engine_ui events below, engine:started and the subscription
   notices the reference UI listens to, and the queries of this ruleset plus
   the subscription queries the UI shows; nothing else. Family channels are
   their owning pico's alone, so this channel is how a client reaches a
   child: engine_ui:new_channel there makes a channel of its own choosing.

   The parent and children boxes hold UI ECIs, not family ECIs, read from
   what this pico keeps (no cross-pico query while answering).
   `logs` answers the pico's episode log (ctx:logs, engine/runtime/logs/
   episode_log.h) grouped by transaction as the reference's Logging tab reads
   it, newest first: [{"txnId", "time", "header", "entries": [lines]}], events
   and queries (this ruleset's own queries are not kept, and queries of
   io.picolabs.subscription/established are left out, as the reference does).
   Optional arguments `eid` (one transaction), `type` ("domain:name" or
   "name" of an event, "rid/name" of a query) and `hideUi` (true: leave out
   the UI's own traffic: engine_ui events and whatever came in on this UI
   channel or on the dashboard's channel, tagged spime-dashboard, as the
   reference's users asked, its issue #536) filter it. Event
   engine_ui:pico_logs {"on": false} turns the pico's log off (true: on); the
   UI channel's policy stays the reference's, so it comes through another
   channel (the owner's, a client channel).

   Ours: `entvars` answers the pico's entity variables, every ruleset's, for
   the dashboard (ctx:entityVariables, engine/runtime/modules/
   ctx_entity_variables.h): {"rulesets": [{"rid", "variables": [{"name",
   "value"} or {"name", "truncated": true, "json", "bytes"}]}], "more", ...},
   bounded (optional arguments `maxVariables`, at most 256, and
   `maxValueBytes`, at most 16384). It is the owner's alone: entity variables
   may hold secrets (tokens, keys), and the UI channel's ECI is handed to
   whoever draws the tree (a parent's box names its children's), so
   UI_QUERY_POLICY keeps the reference's list and leaves it out; the owner's
   channel and the dashboard's own channel (which allow every query) reach it,
   as they already reach everything through the testing tab.
*/
ruleset io.picolabs.pico-engine-ui {
  meta {
    version "0.0.0"
    name "pico-engine-ui"
    description "The ruleset the engine UI and its clients talk to on every pico"
    shares box, uiECI, pico, logs, testingECI, name, familyECI, entvars
  }
  global {
    UI_EVENT_POLICY = {
      "allow": [
        { "domain": "engine_ui", "name": "setup" },
        { "domain": "engine_ui", "name": "box" },
        { "domain": "engine_ui", "name": "new" },
        { "domain": "engine_ui", "name": "del" },
        { "domain": "engine_ui", "name": "install" },
        { "domain": "engine_ui", "name": "uninstall" },
        { "domain": "engine_ui", "name": "flush" },
        { "domain": "engine_ui", "name": "new_channel" },
        { "domain": "engine_ui", "name": "del_channel" },
        { "domain": "engine_ui", "name": "testing_eci" },
        { "domain": "engine", "name": "started" },
        { "domain": "wrangler", "name": "subscription" },
        { "domain": "wrangler", "name": "pending_subscription_approval" },
        { "domain": "wrangler", "name": "inbound_rejection" },
        { "domain": "wrangler", "name": "outbound_cancellation" },
        { "domain": "wrangler", "name": "subscription_cancellation" }
      ],
      "deny": []
    }
    UI_QUERY_POLICY = {
      "allow": [
        { "rid": "*", "name": "__testing" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "uiECI" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "box" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "pico" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "logs" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "testingECI" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "name" },
        { "rid": "io.picolabs.pico-engine-ui", "name": "familyECI" },
        { "rid": "io.picolabs.subscription", "name": "established" },
        { "rid": "io.picolabs.subscription", "name": "inbound" },
        { "rid": "io.picolabs.subscription", "name": "outbound" },
        { "rid": "io.picolabs.subscription", "name": "wellKnown_Rx" }
      ],
      "deny": []
    }

    // The id of this pico's channel tagged exactly `tags` ("a,b", sorted), or null.
    channelTagged = function(tags) {
      ctx:channels
        .filter(function(c) { c{"tags"}.sort().join(",") == tags })
        .map(function(c) { c{"id"} })
        .head()
    }

    // The ECI of this pico's "engine","ui" channel (null before setup); kept
    // at setup, so that asking costs the same however many channels (one
    // per child) the pico has.
    uiECI = function() {
      ent:ui_eci || channelTagged("engine,ui")
    }

    // Ours: the family ECI this pico's parent knows it by (its "system,child"
    // channel), so that engine_ui:del on the parent finds a child from its UI
    // ECI without going through all its siblings. Null on the root.
    familyECI = function() {
      ent:family_eci || channelTagged("child,system")
    }

    // The children's UI ECIs, asked of each child (a child without this
    // ruleset has none). Nothing is kept per child on the parent: creating
    // a child costs the same with 10 or 100,000 siblings.
    childUiEcis = function() {
      ctx:children
        .map(function(familyEci) {
          answer = ctx:tryQuery(familyEci, "io.picolabs.pico-engine-ui", "uiECI");
          answer{"ok"} => answer{"value"} | null
        })
        .filter(function(eci) { eci })
    }

    testingECI = function() {
      ent:testingECI
    }

    name = function() {
      ent:name || "Pico"
    }

    box = function() {
      { "eci": uiECI(),
        "parent": ent:parent_ui_eci,
        "children": childUiEcis(),
        "name": name(),
        "backgroundColor": ent:backgroundColor || "#87cefa",
        "x": ent:x || 100,
        "y": ent:y || 100,
        "width": ent:width || 100,
        "height": ent:height || 100 }
    }

    pico = function() {
      { "eci": uiECI(),
        "parent": ent:parent_ui_eci,
        "children": childUiEcis(),
        "channels": ctx:channels,
        "rulesets": ctx:rulesets }
    }

    logs = function(eid, type, hideUi) {
      hide = hideUi == true || hideUi == "true";
      header = function(txn) {
        ev = txn{"event"};
        q = txn{"query"};
        attrs = (ev{["data", "attrs"]} || {}).delete("_headers");
        args = (q{"args"} || {}).delete("_headers");
        txn{"kind"} == "query"
          => <<QUERY #{q{"eci"}} #{q{"rid"}}/#{q{"name"}} #{args.encode()}>>
           | <<EVENT #{ev{"eci"}} #{ev{"domain"}}:#{ev{"name"}} #{attrs.encode()}>>
      }
      details = function(e) {
        msg = e{"msg"};
        msg == "txnQueued" => header(e{"txn"}) |
        msg == "event added to schedule" => e{"event"}.encode() |
        msg == "rule selected" => e{"rid"} + " : " + e{"rule_name"} |
        e{"level"} == "klog" => e{"val"}.encode() |
        msg == "directive" => e{"name"} + " " + e{"options"}.encode() |
        msg == "txnError" => e{"error"} |
        ""
      }
      line = function(e) {
        e{"time"}.split("T")[1] + " [" + e{"level"}.uc() + "] " + e{"msg"} + " " + details(e)
      }
      uiEcis = hide => ctx:channels
        .filter(function(c) { c{"tags"} >< "spime-dashboard" })
        .map(function(c) { c{"id"} })
        .append(uiECI()) | [];
      byTxn = ctx:logs().collect(function(e) { e{"txnId"} });
      byTxn.keys()
        .map(function(k) {
          episode = byTxn{k};
          txn = episode.head(){"txn"};
          ev = txn{"event"};
          q = txn{"query"};
          { "txnId": k,
            "time": episode.head(){"time"},
            "header": header(txn),
            "entries": episode.map(line),
            "eci": q => q{"eci"} | ev{"eci"},
            "type": q => q{"rid"} + "/" + q{"name"} | ev{"domain"} + ":" + ev{"name"} }
        })
        .filter(function(g) {
          g{"type"} != "io.picolabs.subscription/established" &&
          (eid.isnull() || g{"txnId"} == eid) &&
          (type.isnull() || g{"type"} == type || g{"type"}.split(":")[1] == type) &&
          (not hide || (not (uiEcis >< g{"eci"}) && g{"type"}.split(":")[0] != "engine_ui"))
        })
        .reverse()
    }

    entvars = function(maxVariables, maxValueBytes) {
      ctx:entityVariables(maxVariables, maxValueBytes)
    }
  }

  // Creates (or brings up to date) the "engine","ui" channel.
  rule setup {
    select when engine_ui setup
    ctx:upsertChannel(tags = ["engine", "ui"], eventPolicy = UI_EVENT_POLICY,
                      queryPolicy = UI_QUERY_POLICY)
    always {
      ent:ui_eci := channelTagged("engine,ui")
      ent:family_eci := channelTagged("child,system")
    }
  }

  // Where and how the pico's box is drawn; a color must be #RRGGBB.
  rule box {
    select when engine_ui box
    pre {
      attrs = event:attrs
      valid_color = function(v) {
        c = v.as("String")
        c.match(re#^\#[0-9A-F]{6}$#i) => c | ent:backgroundColor
      }
    }
    always {
      ent:x := attrs{"x"}.as("Number") if attrs{"x"}
      ent:y := attrs{"y"}.as("Number") if attrs{"y"}
      ent:width := attrs{"width"}.as("Number") if attrs{"width"}
      ent:height := attrs{"height"}.as("Number") if attrs{"height"}
      ent:name := attrs{"name"}.as("String") if attrs{"name"}
      ent:backgroundColor := valid_color(attrs{"backgroundColor"}) if attrs{"backgroundColor"}
      ent:parent_ui_eci := attrs{"parentUiEci"} if attrs{"parentUiEci"}
    }
  }

  // engine:started: the parent's UI ECI, for picos made before this ruleset kept it.
  rule backfill_parent_ui_eci {
    select when engine started
    if ctx:parent && ent:parent_ui_eci.isnull() then noop()
    fired {
      ent:parent_ui_eci := ctx:query(ctx:parent, ctx:rid, "uiECI")
    }
  }

  rule new {
    select when engine_ui new
    pre {
      name = event:attrs{"name"} || ent:name
      backgroundColor = event:attrs{"backgroundColor"} || ent:backgroundColor
    }
    fired {
      raise wrangler event "new_child_request"
        attributes event:attrs.put("name", name).put("backgroundColor", backgroundColor)
    }
  }

  // {eci}: the UI ECI of a child; the wrangler deletes it and its subtree.
  rule del {
    select when engine_ui del
    pre {
      uiEci = event:attrs{"eci"}
      answer = uiEci => ctx:tryQuery(uiEci, "io.picolabs.pico-engine-ui", "familyECI") | {}
      familyEci = answer{"ok"} => answer{"value"} | null
    }
    if familyEci then noop()
    fired {
      raise wrangler event "child_deletion_request" attributes { "eci": familyEci }
    }
  }

  rule install {
    select when engine_ui install
    fired {
      raise wrangler event "install_ruleset_request" attributes event:attrs
    }
  }

  rule uninstall {
    select when engine_ui uninstall
    ctx:uninstall(rid = event:attrs{"rid"})
  }

  rule flush {
    select when engine_ui flush
    ctx:flush(url = event:attrs{"url"})
  }

  // {tags, eventPolicy, queryPolicy}: a policy left out admits nothing (the
  // reference would allow everything, its issue #372).
  rule new_channel {
    select when engine_ui new_channel
    pre {
      nothing = { "allow": [], "deny": [] }
    }
    ctx:newChannel(tags = event:attrs{"tags"},
                   eventPolicy = event:attrs{"eventPolicy"} || nothing,
                   queryPolicy = event:attrs{"queryPolicy"} || nothing)
  }

  rule del_channel {
    select when engine_ui del_channel
    ctx:delChannel(event:attrs{"eci"})
  }

  // The pico's episode log on or off (logs/episode_log.h reads ent:pico_logs).
  rule pico_logs {
    select when engine_ui pico_logs
    always {
      ent:pico_logs := not (event:attrs{"on"} == false || event:attrs{"on"} == "false")
    }
  }

  rule testing_eci {
    select when engine_ui testing_eci
    always {
      ent:testingECI := event:attrs{"eci"}
    }
  }
}
