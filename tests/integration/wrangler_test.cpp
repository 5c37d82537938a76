// The wrangler (rulesets/io.picolabs.wrangler.krl) over HTTP on a real
// `spime serve`: pico trees made, queried and deleted (nothing left in
// RocksDB), rulesets installed with config, channels, picoQuery/skyQuery's
// local branches, family channels being their owner's alone, and the
// wrangler used as a module (its queries name its own ruleset).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kFamilyRefusal = "This is a family channel and only the owner can use it.";

// On every pico of the tree: state, a schedule far away, and a cleanup
// notice sent to an observer when the wrangler says the pico goes.
const char* kProbe = R"krl(ruleset wr.probe {
  meta { shares n }
  global { n = function() { ent:n } }
  rule set { select when probe set
    always {
      ent:n := event:attr("n")
      ent:observer := event:attr("observer")
      schedule probe event "later" at time:add(time:now(), {"days": 30})
    }
  }
  rule cleanup { select when wrangler rulesets_need_to_cleanup
    event:send({"eci": ent:observer, "domain": "probe", "type": "gone",
                "attrs": {"n": ent:n}})
  }
})krl";

const char* kObserver = R"krl(ruleset wr.observer {
  meta { shares gone }
  global { gone = function() { ent:gone.defaultsTo([]) } }
  rule gone { select when probe gone
    always { ent:gone := gone().append(event:attr("n")) }
  }
})krl";

// Uses the wrangler as a module, from a shared function and from a rule.
const char* kUser = R"krl(ruleset wr.user {
  meta {
    use module io.picolabs.wrangler alias wrangler
    shares kids, me
  }
  global {
    kids = function() { wrangler:children().map(function(c) { c{"name"} }) }
    me = function() { wrangler:myself(){"name"} }
  }
  rule check { select when user check
    send_directive("user", {"kids": wrangler:children().map(function(c) { c{"name"} }),
                            "me": wrangler:myself(){"name"},
                            "rid": ctx:rid})
  }
})krl";

// Asks another pico through ctx:query.
const char* kAsker = R"krl(ruleset wr.asker {
  meta { shares ask }
  global { ask = function(eci) { ctx:query(eci, "io.picolabs.wrangler", "name") } }
})krl";

size_t count_prefix(spime::store::Store& store, const std::string& prefix) {
  size_t n = 0;
  store.scan(prefix, [&](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  return n;
}

std::string error_of(const HttpResult& r) {
  return r.body.is_object() && r.body.contains("error") ? r.body["error"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("wrangler: a tree of depth 3 is made, queried and deleted, nothing of it left",
          "[integration][wrangler]") {
  TempDir krl;
  SpimeServer server;
  const std::string root = server.owner_eci();
  std::string probe_url = file_url(krl.write("wr.probe.krl", kProbe));

  ChildPico observer = new_child_pico(server, root, "observer");
  install_ruleset(server, observer.eci, file_url(krl.write("wr.observer.krl", kObserver)),
                  "wr.observer");

  ChildPico a = new_child_pico(server, root, "A");
  ChildPico a1 = new_child_pico(server, a.eci, "A1");
  ChildPico a11 = new_child_pico(server, a1.eci, "A11");
  std::vector<ChildPico> tree{a, a1, a11};
  std::vector<std::string> ids;
  int n = 0;
  for (const ChildPico& p : tree) {
    install_ruleset(server, p.eci, probe_url, "wr.probe");
    must_event(server, p.eci, "probe", "set", {{"n", ++n}, {"observer", observer.eci}});
    ids.push_back(must_query(server, p.eci, kWrangler, "id").get<std::string>());
    // Every child carries the UI ruleset and the wrangler.
    auto rids = installed_rids(server, p.eci);
    CHECK(contains(rids, kWrangler));
    CHECK(contains(rids, kEngineUi));
  }

  // Queries, as the reference shapes them.
  json kids = must_query(server, root, kWrangler, "children");
  REQUIRE(kids.size() == 2);
  CHECK(kids[1].at("eci") == a.family_eci);
  CHECK(kids[1].at("name") == "A");
  json parent_link = must_query(server, a.eci, kWrangler, "parent_eci");
  CHECK(kids[1].at("parent_eci") == parent_link);
  json a_kids = must_query(server, a.eci, kWrangler, "children");
  REQUIRE(a_kids.size() == 1);
  CHECK(a_kids[0].at("eci") == a1.family_eci);
  CHECK(a_kids[0].at("name") == "A1");
  json me = must_query(server, a11.eci, kWrangler, "myself");
  CHECK(me.at("name") == "A11");
  CHECK(me.at("id") == ids[2]);
  CHECK(must_query(server, a11.eci, kWrangler, "name") == "A11");
  // The UI boxes link UI ECIs, parent and children.
  json box = must_query(server, a1.ui_eci, kEngineUi, "box");
  CHECK(box.at("eci") == a1.ui_eci);
  CHECK(box.at("parent") == a.ui_eci);
  CHECK(box.at("children") == json::array({a11.ui_eci}));
  CHECK(box.at("name") == "A1");

  // Deleting A by name deletes the subtree, each pico told first.
  json answer = must_event(server, root, "wrangler", "child_deletion_request", {{"name", "A"}});
  CHECK(child_ecis(server, root) == std::vector<std::string>{observer.family_eci});
  for (const ChildPico& p : tree) {
    HttpResult r = server.query(p.eci, kWrangler, "name");
    CHECK(r.status == 404);
  }
  CHECK(must_query(server, root, kEngineUi, "pico").at("children") ==
        json::array({observer.ui_eci}));
  std::set<int> gone;
  CHECK(eventually([&] {
    gone.clear();
    for (const auto& x : must_query(server, observer.eci, "wr.observer", "gone")) {
      gone.insert(x.get<int>());
    }
    return gone.size() == 3;
  }));
  CHECK(gone == std::set<int>{1, 2, 3});

  // Nothing of the three picos is left in RocksDB.
  REQUIRE(server.stop() != -1);
  std::string error;
  auto store = spime::store::Store::open(server.data_dir(), {}, &error);
  INFO(error);
  REQUIRE(store);
  for (const std::string& id : ids) {
    std::string v;
    CHECK_FALSE(store->get(spime::store::keys::pico(id), &v));
    for (const std::string& prefix : spime::store::keys::pico_scoped_prefixes(id)) {
      INFO("prefix of " << id);
      CHECK(count_prefix(*store, prefix) == 0);
    }
  }
  for (const ChildPico& p : tree) {
    for (const std::string& eci : {p.family_eci, p.ui_eci, p.eci}) {
      std::string v;
      CHECK_FALSE(store->get(spime::store::keys::channel(eci), &v));
    }
  }
  // Their scheduled events went too.
  size_t due_of_tree = 0;
  store->scan(spime::store::keys::schedule_due_prefix(), [&](std::string_view, std::string_view v) {
    for (const std::string& id : ids) {
      if (std::string(v).find(id) != std::string::npos) ++due_of_tree;
    }
    return true;
  });
  CHECK(due_of_tree == 0);
}

TEST_CASE("wrangler: child_deletion_request by eci, and an unknown eci is refused",
          "[integration][wrangler]") {
  SpimeServer server;
  const std::string root = server.owner_eci();
  ChildPico kid = new_child_pico(server, root, "kid");
  HttpResult bad = server.event(root, "wrangler", "child_deletion_request", {{"eci", kid.eci}});
  CHECK(bad.status == 500);
  CHECK(error_of(bad).find("not found in children ECIs") != std::string::npos);
  CHECK(child_ecis(server, root).size() == 1);
  // An unknown name deletes nothing.
  must_event(server, root, "wrangler", "child_deletion_request", {{"name", "nobody"}});
  CHECK(child_ecis(server, root).size() == 1);
  must_event(server, root, "wrangler", "child_deletion_request", {{"eci", kid.family_eci}});
  CHECK(child_ecis(server, root).empty());
  CHECK(server.query(kid.eci, kWrangler, "name").status == 404);
}

TEST_CASE("wrangler: install_ruleset_request by url and by absoluteURL + rid, with config",
          "[integration][wrangler]") {
  TempDir krl;
  SpimeServer server;
  ChildPico kid = new_child_pico(server, server.owner_eci(), "kid");
  std::string url = file_url(krl.write("wr.asker.krl", kAsker));
  must_event(server, kid.eci, "wrangler", "install_ruleset_request",
             {{"url", url}, {"config", {{"a", 1}}}});
  CHECK(contains(installed_rids(server, kid.eci), "wr.asker"));
  CHECK(must_query(server, kid.eci, kWrangler, "rulesetConfig", {{"rid", "wr.asker"}}) ==
        json{{"a", 1}});
  // Relative to another ruleset's url: the file next to it.
  krl.write("wr.user.krl", kUser);
  must_event(server, kid.eci, "wrangler", "install_ruleset_request",
             {{"absoluteURL", url}, {"rid", "wr.user"}, {"config", {{"b", "two"}}}});
  CHECK(contains(installed_rids(server, kid.eci), "wr.user"));
  CHECK(must_query(server, kid.eci, kWrangler, "rulesetConfig", {{"rid", "wr.user"}}) ==
        json{{"b", "two"}});
  json meta = must_query(server, kid.eci, kWrangler, "rulesetMeta", {{"rid", kWrangler}});
  CHECK(meta.at("name") == "Wrangler Core");
  // A url that cannot be read: an error, nothing installed.
  HttpResult bad = server.event(kid.eci, "wrangler", "install_ruleset_request",
                                {{"url", file_url(krl.path() + "/missing.krl")}});
  CHECK(bad.status != 200);
  must_event(server, kid.eci, "wrangler", "uninstall_ruleset_request", {{"rid", "wr.user"}});
  CHECK_FALSE(contains(installed_rids(server, kid.eci), "wr.user"));
}

TEST_CASE("wrangler: channels made, listed by tags and deleted", "[integration][wrangler]") {
  SpimeServer server;
  ChildPico kid = new_child_pico(server, server.owner_eci(), "kid");
  json events = {{"allow", {{{"domain", "x"}, {"name", "*"}}}}, {"deny", json::array()}};
  json queries = {{"allow", {{{"rid", kWrangler}, {"name", "name"}}}}, {"deny", json::array()}};
  must_event(
      server, kid.eci, "wrangler", "new_channel_request",
      {{"tags", json::array({"Two", "one"})}, {"eventPolicy", events}, {"queryPolicy", queries}});
  json found = channels_tagged(server, kid.eci, "one,two");
  REQUIRE(found.size() == 1);
  std::string eci = found[0].at("id").get<std::string>();
  CHECK(found[0].at("tags") == json::array({"two", "one"}));
  CHECK(must_query(server, eci, kWrangler, "name") == "kid");
  CHECK(server.query(eci, kWrangler, "children").status == 403);
  CHECK(server.event(eci, "wrangler", "new_channel_request").status == 403);
  // Without both policies nothing is made (as the reference).
  must_event(server, kid.eci, "wrangler", "new_channel_request", {{"tags", "lax"}});
  CHECK(channels_tagged(server, kid.eci, "lax").empty());
  must_event(server, kid.eci, "wrangler", "channel_deletion_request", {{"eci", eci}});
  CHECK(channels_tagged(server, kid.eci, "one,two").empty());
  CHECK(server.query(eci, kWrangler, "name").status == 404);
  // Family channels cannot be deleted.
  json self = channels_tagged(server, kid.eci, "system,self");
  REQUIRE(self.size() == 1);
  HttpResult r =
      server.event(kid.eci, "wrangler", "channel_deletion_request", {{"eci", self[0].at("id")}});
  CHECK(r.status == 500);
  CHECK(error_of(r).find("Cannot delete family channels.") != std::string::npos);
}

TEST_CASE("wrangler: family channels are their owner's alone", "[integration][wrangler]") {
  TempDir krl;
  SpimeServer server;
  const std::string root = server.owner_eci();
  ChildPico a = new_child_pico(server, root, "A");
  ChildPico b = new_child_pico(server, root, "B");
  // Over HTTP: refused, events and queries alike, whatever the policy.
  for (const std::string& eci :
       {a.family_eci, must_query(server, a.eci, kWrangler, "parent_eci").get<std::string>(),
        channels_tagged(server, a.eci, "system,self")[0].at("id").get<std::string>()}) {
    HttpResult e = server.event(eci, "wrangler", "name_changed", {{"name", "X"}});
    CHECK(e.status == 403);
    CHECK(error_of(e) == std::string("Error: ") + kFamilyRefusal);
    HttpResult q = server.query(eci, kWrangler, "name");
    CHECK(q.status == 403);
    CHECK(error_of(q) == std::string("Error: ") + kFamilyRefusal);
  }
  CHECK(must_query(server, a.eci, kWrangler, "name") == "A");
  // From its owner (the root, through the wrangler's picoQuery): allowed.
  CHECK(must_query(server, root, kWrangler, "picoQuery",
                   {{"eci", a.family_eci}, {"mod", kWrangler}, {"func", "name"}}) == "A");
  // From another pico: refused.
  install_ruleset(server, b.eci, file_url(krl.write("wr.asker.krl", kAsker)), "wr.asker");
  HttpResult other = server.query(b.eci, "wr.asker", "ask", {{"eci", a.family_eci}});
  CHECK(other.status != 200);
  CHECK(error_of(other).find(kFamilyRefusal) != std::string::npos);
  // A's own channel (not a family one) works from B.
  CHECK(must_query(server, b.eci, "wr.asker", "ask", {{"eci", a.eci}}) == "A");
}

TEST_CASE("wrangler: picoQuery and skyQuery on this engine", "[integration][wrangler]") {
  SpimeServer server;
  const std::string root = server.owner_eci();
  ChildPico kid = new_child_pico(server, root, "kid");
  CHECK(must_query(server, root, kWrangler, "picoQuery",
                   {{"eci", kid.eci}, {"mod", kWrangler}, {"func", "children"}}) == json::array());
  // Asking itself: the reference's 400 map (picoQuery), its error (skyQuery).
  json self = must_query(server, kid.eci, kWrangler, "picoQuery",
                         {{"eci", kid.eci}, {"mod", kWrangler}, {"func", "name"}});
  CHECK(self.at("status_code") == 400);
  json sky = must_query(server, kid.eci, kWrangler, "skyQuery",
                        {{"eci", kid.eci}, {"mod", kWrangler}, {"func", "name"}});
  CHECK(sky.at("error") == "sky query request was unsuccesful.");
  CHECK(sky.at("httpStatus").at("code") == 400);
  CHECK(sky.at("picoQueryError") == "Pico should not query itself");
}

TEST_CASE("wrangler as a module: its functions query as the wrangler, not as the caller",
          "[integration][wrangler]") {
  TempDir krl;
  SpimeServer server;
  const std::string root = server.owner_eci();
  new_child_pico(server, root, "one");
  new_child_pico(server, root, "two");
  install_ruleset(server, root, file_url(krl.write("wr.user.krl", kUser)), "wr.user");
  CHECK(must_query(server, root, "wr.user", "kids") == json::array({"one", "two"}));
  CHECK(must_query(server, root, "wr.user", "me") == "Pico");
  json answer = must_event(server, root, "user", "check");
  REQUIRE(answer.at("directives").size() == 1);
  json options = answer["directives"][0].at("options");
  CHECK(options.at("kids") == json::array({"one", "two"}));
  CHECK(options.at("me") == "Pico");
  CHECK(options.at("rid") == "wr.user");  // back to the caller after the module's call
}

TEST_CASE("wrangler: skyQuery and picoQuery ask a pico on another engine over HTTP",
          "[integration][wrangler]") {
  SpimeServer here, there;
  ChildPico far = new_child_pico(there, there.owner_eci(), "far away");
  const std::string host = there.url();
  // On the other engine through its sky API; the answer is the decoded value.
  CHECK(must_query(here, here.owner_eci(), kWrangler, "skyQuery",
                   {{"eci", far.eci}, {"mod", kWrangler}, {"func", "name"}, {"_host", host}}) ==
        "far away");
  CHECK(must_query(here, here.owner_eci(), kWrangler, "picoQuery",
                   {{"eci", far.eci}, {"mod", kWrangler}, {"func", "name"}, {"_host", host}}) ==
        "far away");
  // An ECI the other engine does not know: the reference's error map, not a failure here.
  json unknown = must_query(
      here, here.owner_eci(), kWrangler, "skyQuery",
      {{"eci", "nosuchecinosuchecinosuch"}, {"mod", kWrangler}, {"func", "name"}, {"_host", host}});
  CHECK(unknown.at("error") == "sky query request was unsuccesful.");
  CHECK(unknown.at("httpStatus").at("code") == 404);
}

TEST_CASE("wrangler: a child's own events reach its parent on the family channel",
          "[integration][wrangler]") {
  SpimeServer server;
  const std::string root = server.owner_eci();
  ChildPico kid = new_child_pico(server, root, "leaving");
  // ready_for_deletion: the child event:sends child_deletion_request to its parent on the
  // family channel, which admits the child (its owner) though it refuses HTTP clients.
  must_event(server, kid.eci, "wrangler", "ready_for_deletion");
  CHECK(eventually([&] { return child_ecis(server, root).empty(); }));
  CHECK(server.output().find("refused") == std::string::npos);
}

TEST_CASE("wrangler: childrenPage pages children() in creation order", "[integration][wrangler]") {
  SpimeServer server;
  ChildPico parent = new_child_pico(server, server.owner_eci(), "parent");
  for (const char* name : {"k1", "k2", "k3", "k4", "k5"}) new_child_pico(server, parent.eci, name);
  const json all = must_query(server, parent.eci, kWrangler, "children");
  REQUIRE(all.size() == 5);

  json got = json::array();
  std::vector<json> nexts;
  json cursor;
  for (int page = 0; page < 10; ++page) {  // bounded: 3 pages expected
    json args = {{"limit", "2"}};
    if (!cursor.is_null()) args["cursor"] = cursor;
    json answer = must_query(server, parent.eci, kWrangler, "childrenPage", args);
    for (const auto& c : answer.at("children")) got.push_back(c);
    cursor = answer.at("next");
    nexts.push_back(cursor);
    if (cursor.is_null()) break;
  }
  CHECK(got == all);
  CHECK(nexts == std::vector<json>{"2", "4", nullptr});

  // Defaults and bounds: 100 by default, at least 1, a cursor past the end is an empty page.
  CHECK(must_query(server, parent.eci, kWrangler, "childrenPage").at("children") == all);
  CHECK(must_query(server, parent.eci, kWrangler, "childrenPage", {{"limit", "0"}})
            .at("children")
            .size() == 1);
  json past = must_query(server, parent.eci, kWrangler, "childrenPage", {{"cursor", "9"}});
  CHECK(past.at("children").empty());
  CHECK(past.at("next").is_null());
}

TEST_CASE("wrangler: channelsPage pages channels(tags) in creation order",
          "[integration][wrangler]") {
  SpimeServer server;
  ChildPico kid = new_child_pico(server, server.owner_eci(), "many channels");
  for (int i = 0; i < 7; ++i) {
    const json allow_all = {{"allow", {{{"domain", "*"}, {"name", "*"}}}}, {"deny", json::array()}};
    must_event(
        server, kid.eci, "wrangler", "new_channel_request",
        {{"tags", json::array({i % 3 ? "paged" : "other"})},
         {"eventPolicy", allow_all},
         {"queryPolicy", {{"allow", {{{"rid", "*"}, {"name", "*"}}}}, {"deny", json::array()}}}});
  }
  for (const char* tags : {"paged", "other", ""}) {
    json args = tags[0] ? json{{"tags", tags}} : json::object();
    const json all = must_query(server, kid.eci, kWrangler, "channels", args);
    json got = json::array();
    json cursor;
    for (int page = 0; page < 20; ++page) {  // bounded: a handful of pages of 2
      json paged = args;
      paged["limit"] = "2";
      if (!cursor.is_null()) paged["cursor"] = cursor;
      json answer = must_query(server, kid.eci, kWrangler, "channelsPage", paged);
      CHECK(answer.at("channels").size() <= 2);
      for (const auto& c : answer.at("channels")) got.push_back(c);
      cursor = answer.at("next");
      if (cursor.is_null()) break;
    }
    CHECK(got == all);
  }
  CHECK(must_query(server, kid.eci, kWrangler, "channels", {{"tags", "paged"}}).size() == 4);
  CHECK(must_query(server, kid.eci, kWrangler, "channels", {{"tags", "other"}}).size() == 3);
}
