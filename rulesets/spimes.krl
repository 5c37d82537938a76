/* spimes: collections of spimes, managed from the pico that holds them as
   children (by default the root, the owner's pico).

   A child is named by its name, its pico id, or its family eci (the eci
   this pico knows it by: wrangler's children() lists it, a new_child
   directive carries it).

   spimes:add_to_collection {collection, member, collection_role?,
   subscriber_role?} (or {collection, member_eci, member_host, ...} for a
   pico on another engine): `collection` and `member` name children of this
   pico (with member_host, `member` may be the remote pico's eci); the
   collection has spimes_collection installed.
   The owner first announces the membership to the collection
   (spimes:member_invited with a fresh subscription Id), then has the member
   raise wrangler:subscription towards the collection's wellKnown_Rx with
   that Id, Rx_role = subscriber_role and Tx_role = collection_role and
   spimes_collection = {name, id} (how the member knows it is a
   collection's); the collection accepts the request whose Id it was told.
   When the event answers, the member's request is queued at the collection
   (so the collection's members() lists it from then on); the member's side
   is established when the collection's approval has come back, a moment
   later (or, for a member on another engine, when both engines have
   answered: the outbox carries the request and the approval).

   Refused, with an error answer (500 {"error"}): an unknown or ambiguous
   name, a collection without spimes_collection, a member that is the
   collection itself, and a member that already holds the collection among
   its members, however deep (a loop). Adding a member twice does nothing
   (directive already_a_member).

   Why a refusal is a runtime error: `error error` answers 200, as the
   reference does, and a client could not tell a refusal from a success.
   `refuse` fails the event with ctx:fail (spime's own): the answer is 500
   {"error": "...<message>"} and nothing of the event is kept.

   spimes:remove_from_collection {collection, member}: the collection
   cancels that subscription, on both sides.

   Costs: a child given by its eci is found at once (ctx:hasChild) and
   asked its name and id; one given by name or id is found by asking each
   child (wrangler's myself), so scripts with many children give ecis. The
   loop check is made only when the member is itself a collection: it asks
   every child, then the member and every child reached through
   memberships from it, for their member ids.
*/
ruleset spimes {
  meta {
    name "spimes"
    description <<
      Collections of spimes on the pico that holds them as children:
      spimes:add_to_collection and spimes:remove_from_collection (events,
      and actions of the module), collections() (query and module function).
      Members may be devices, other collections, or picos on other engines.
    >>
    author "spime"
    provides collections, add_to_collection, remove_from_collection
    shares collections
  }

  global {
    COLLECTION_RID = "spimes_collection"
    WRANGLER = "io.picolabs.wrangler"
    SUBSCRIPTION = "io.picolabs.subscription"

    // The children that are collections: [{name, id, eci, members,
    // collection_role, subscriber_role}] (eci: the collection's channel for
    // clients, its queries and spimes:instruct_members).
    collections = function() {
      kids().map(function(k) { info_of(k{"eci"}) }).filter(function(i) { not i.isnull() })
    }

    // ---- actions of the module: they raise this ruleset's events on this pico --------------

    add_to_collection = defaction(collection, member, collection_role, subscriber_role,
                                  member_eci, member_host) {
      ctx:raiseEvent(domain = "spimes", name = "add_to_collection", forRid = "spimes",
                     attrs = { "collection": collection, "member": member,
                               "collection_role": collection_role,
                               "subscriber_role": subscriber_role,
                               "member_eci": member_eci, "member_host": member_host })
    }
    remove_from_collection = defaction(collection, member) {
      ctx:raiseEvent(domain = "spimes", name = "remove_from_collection", forRid = "spimes",
                     attrs = { "collection": collection, "member": member })
    }

    // ---- helpers ----------------------------------------------------------------------------

    // Fails the event with `why` (see the header).
    refuse = function(why) {
      ctx:fail(why)
    }
    // Each child as {eci (its family channel: this pico's to use), name, id}.
    kids = function() {
      ctx:children.map(function(eci) {
        me = ctx:query(eci, WRANGLER, "myself");
        { "eci": eci, "name": me{"name"}, "id": me{"id"} }
      })
    }
    // The child `given` (its family eci, name or id, see the header) as kids() has it;
    // refuses when none or several.
    kid = function(given, what) {
      ctx:hasChild(given) => kid_at(given) | find_kid(kids(), given, what)
    }
    kid_at = function(eci) {
      me = ctx:query(eci, WRANGLER, "myself");
      { "eci": eci, "name": me{"name"}, "id": me{"id"} }
    }
    // The child named (or with the id) `given` among `all`; refuses when none or several.
    find_kid = function(all, given, what) {
      found = all.filter(function(k) { k{"name"} == given || k{"id"} == given });
      given.isnull() || given == "" => refuse(<<spimes: the #{what} is missing>>)
      | found.length() == 0 => refuse(<<spimes: no child of this pico is named "#{given}">>)
      | found.length() > 1
          => refuse(<<spimes: #{found.length()} children are named "#{given}"; give its id>>)
      | found.head()
    }
    info_of = function(eci) {
      answer = ctx:tryQuery(eci, COLLECTION_RID, "info", {});
      answer{"ok"} => answer{"value"} | null
    }
    member_ids_of = function(eci) {
      answer = ctx:tryQuery(eci, COLLECTION_RID, "member_ids", {});
      answer{"ok"} => answer{"value"} | []
    }
    // Whether the pico with `id` is a member of (or invited to) the collection at `eci`.
    has_member = function(eci, id) {
      answer = ctx:tryQuery(eci, COLLECTION_RID, "has_member", { "id": id });
      answer{"ok"} && answer{"value"} == true
    }
    // Whether `target_id` is `from_id` or a member of it, however deep,
    // among the collections that are children of this pico. `by_id`:
    // kids() collected by id. Depth is bounded in case a loop was made by
    // hand (a subscription spimes did not make).
    reaches = function(by_id, from_id, target_id, depth) {
      kid = by_id{from_id}.defaultsTo([]).head();
      from_id == target_id => true
      | depth > 16 || kid.isnull() => false
      | member_ids_of(kid{"eci"}).any(function(id) { reaches(by_id, id, target_id, depth + 1) })
    }
    // A pico on another engine as {name, id}, asking its wrangler through
    // `eci` (each falls back to the eci when the engine does not tell).
    // Inside a function, the http calls move this pico to the engine's I/O
    // pool only once a remote member is added (README, the http module).
    remote_member = function(eci, host) {
      ask = function(name) {
        response = http:get(<<#{host}/sky/cloud/#{eci}/#{WRANGLER}/#{name}>>,
                            parseJSON = true, errorResponse = true);
        content = response{"content"};
        failed = content.typeof() == "Map" && not content{"error"}.isnull();
        response{"status_code"} == 200 && not failed => content | null
      };
      { "name": ask("name").defaultsTo(eci), "id": ask("id").defaultsTo(eci) }
    }
  }

  // ---- adding --------------------------------------------------------------------------------

  rule add_to_collection {
    select when spimes add_to_collection
    pre {
      collection = kid(event:attr("collection"), "collection")
      info = info_of(collection{"eci"})
      a_collection = info.isnull()
        => refuse(<<spimes: "#{collection{"name"}}" is not a collection (it has no spimes_collection)>>)
        | true
      member_host = event:attr("member_host")
      // With member_host, `member` may name the remote pico's eci.
      member_eci = event:attr("member_eci")
                   || (member_host => event:attr("member") | null)
      remote = not member_eci.isnull()
      host_given = remote && (member_host.isnull() || member_host == "")
        => refuse("spimes: member_eci needs member_host, the member's engine") | true
      member = remote => remote_member(member_eci, member_host)
                       | kid(event:attr("member"), "member")
      not_itself = member{"id"} == collection{"id"}
        => refuse(<<spimes: "#{collection{"name"}}" cannot be a member of itself>>) | true
      member_is_collection = not remote && not info_of(member{"eci"}).isnull()
      no_loop = member_is_collection
                && reaches(kids().collect(function(k) { k{"id"} }), member{"id"}, collection{"id"}, 0)
        => refuse(<<spimes: adding "#{member{"name"}}" to "#{collection{"name"}}" would make a loop: "#{collection{"name"}}" is already among the members of "#{member{"name"}}">>)
        | true
      already = has_member(collection{"eci"}, member{"id"})
      wellKnown = ctx:query(collection{"eci"}, SUBSCRIPTION, "wellKnown_Rx"){"id"}
    }
    send_directive(already => "already_a_member" | "member_added",
                   { "collection": collection{"name"}, "member": member{"name"} })
    always {
      raise spimes event "member_add_needed" attributes {
        "collection_eci": collection{"eci"},
        "member_eci": remote => member_eci | member{"eci"},
        "member_host": remote => member_host | null,
        "invitation": { "Id": random:uuid(), "member_id": member{"id"},
                        "member_name": member{"name"},
                        "subscriber_role": event:attr("subscriber_role").defaultsTo("device") },
        "request": {
          "wellKnown_Tx": wellKnown,
          "Rx_role": event:attr("subscriber_role").defaultsTo("device"),
          "Tx_role": event:attr("collection_role").defaultsTo("collection"),
          "name": "membership",
          "channel_type": "spimes",
          "spimes_collection": { "name": collection{"name"}, "id": collection{"id"} },
          "member_name": member{"name"},
          "member_id": member{"id"}
        }
      } if not already
    }
  }

  // The member subscribes with the Id the collection was told.
  rule invite_local_member {
    select when spimes member_add_needed
    pre {
      invitation = event:attr("invitation")
      request = event:attr("request").put({ "Id": invitation{"Id"} })
    }
    if event:attr("member_host").isnull() then every {
      ctx:eventWait(eci = event:attr("collection_eci"), domain = "spimes",
                    name = "member_invited", attrs = invitation)
      ctx:eventWait(eci = event:attr("member_eci"), domain = "wrangler", name = "subscription",
                    attrs = request)
    }
  }

  // The remote member asks through its engine (the outbox), answering to this engine.
  rule invite_remote_member {
    select when spimes member_add_needed
    pre {
      invitation = event:attr("invitation")
      request = event:attr("request").put({ "Id": invitation{"Id"}, "Tx_host": meta:host })
    }
    if not event:attr("member_host").isnull() then every {
      ctx:eventWait(eci = event:attr("collection_eci"), domain = "spimes",
                    name = "member_invited", attrs = invitation)
      event:send({ "eci": event:attr("member_eci"), "domain": "wrangler", "type": "subscription",
                   "attrs": request },
                 event:attr("member_host"))
    }
  }

  // ---- removing ------------------------------------------------------------------------------

  // {collection, member, member_host?}: member is a name or id (of a member,
  // as the collection's members() lists them, or of a child of this pico),
  // or the member's eci there; member_host says it is a pico of another
  // engine. Not a member: nothing happens (directive not_a_member).
  rule remove_from_collection {
    select when spimes remove_from_collection
    pre {
      collection = kid(event:attr("collection"), "collection")
      a_collection = info_of(collection{"eci"}).isnull()
        => refuse(<<spimes: "#{collection{"name"}}" is not a collection (it has no spimes_collection)>>)
        | true
      who = event:attr("member")
      // A pico of another engine (member_host) is known only as a member.
      remote = not event:attr("member_host").isnull()
      listed = ctx:query(collection{"eci"}, COLLECTION_RID, "members")
                 .filter(function(m) { m{"name"} == who || m{"id"} == who || m{"eci"} == who })
                 .head()
      child = listed || remote => null
              | ctx:hasChild(who) => kid_at(who)
              | kids().filter(function(k) { k{"name"} == who || k{"id"} == who }).head()
      target = listed => listed{"id"}
             | child => child{"id"}
             | remote => null
             | refuse(<<spimes: "#{who}" is neither a member of "#{collection{"name"}}" nor a child of this pico>>)
      member = not target.isnull() && has_member(collection{"eci"}, target)
    }
    send_directive(member => "member_removed" | "not_a_member",
                   { "collection": collection{"name"}, "member": who })
    always {
      raise spimes event "member_removal_needed" attributes {
        "collection_eci": collection{"eci"}, "member": target
      } if member
    }
  }

  // The collection ends the subscription on both sides (when this event
  // answers, the collection has let go and the member's side is told).
  rule remove_member {
    select when spimes member_removal_needed
    ctx:eventWait(eci = event:attr("collection_eci"), domain = "spimes", name = "remove_member",
                  attrs = { "member": event:attr("member") })
  }
}
