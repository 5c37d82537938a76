// The wrangler ruleset (rulesets/io.picolabs.wrangler.krl) and the ctx module
// behind it, on picos over a real RocksDB store in a temp dir.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/runtime/runtime_fixture.h"

namespace fs = std::filesystem;
using namespace spime::runtime;
using namespace spime::runtime::testing;
using spime::krl::Map;
using spime::krl::Value;

namespace {

const char* kWrangler = "io.picolabs.wrangler";

std::string J(const Value& v) {
  return spime::krl::encode_json(v);
}

Map json_map(const std::string& text) {
  Value v;
  std::string err;
  REQUIRE(spime::krl::parse_json(text, &v, &err));
  REQUIRE(v.is_map());
  return v.as_map();
}

const Value& field(const Value& m, const char* key) {
  static const Value kNull;
  const Value* v = m.is_map() ? m.as_map().find(key) : nullptr;
  return v ? *v : kNull;
}

// An engine with the wrangler registered (file:// url) and installed on the root.
struct Engine {
  fs::path dir;
  std::unique_ptr<spime::store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
  std::unique_ptr<LocalServices> services;
  std::string root;
  std::map<std::string, std::unique_ptr<PicoState>> picos;
  int eid = 0;

  Engine() {
    std::random_device rd;
    dir = fs::temp_directory_path() / ("spime_wr_" + std::to_string(rd()));
    fs::create_directories(dir / "krl");
    open();
    std::string err;
    root = services->ensure_root_pico(&err);
    REQUIRE(err.empty());
    auto r = registry->flush(std::string("file://") + SPIME_SOURCE_DIR +
                             "/rulesets/io.picolabs.wrangler.krl");
    INFO(r.error);
    REQUIRE(r.ruleset);
    REQUIRE(services->install(root, kWrangler, {}, &err));
  }
  ~Engine() {
    picos.clear();
    services.reset();
    registry.reset();
    store.reset();
    fs::remove_all(dir);
  }
  void open() {
    std::string err;
    spime::store::Store::Options o;
    o.sync_commits = false;
    store = spime::store::Store::open((dir / "db").string(), o, &err);
    REQUIRE(store);
    registry = std::make_unique<RulesetRegistry>(store.get());
    services = std::make_unique<LocalServices>(*store, *registry);
  }
  // Closes everything and opens the store again: state comes from the store only.
  void reopen() {
    picos.clear();
    services.reset();
    registry.reset();
    store.reset();
    open();
    CHECK(registry->load_from_store().empty());
  }
  PicoState& pico(const std::string& id) {
    auto& p = picos[id];
    if (!p) {
      std::string err;
      p = PicoState::load(*store, *services, id, &err);
      INFO(err);
      REQUIRE(p);
    }
    return *p;
  }
  // A KRL file in the temp dir; returns its file:// url.
  std::string write_krl(const std::string& name, const std::string& src) {
    fs::path p = dir / "krl" / name;
    std::ofstream(p) << src;
    return "file://" + p.string();
  }
  Ran event_to(const std::string& pico_id, const std::string& eci, const std::string& domain,
               const std::string& name, Map attrs = {}) {
    IncomingEvent e{eci, "eid" + std::to_string(++eid), domain, name, std::move(attrs), 1000};
    return run_and_write(pico(pico_id), e, *services, *store);
  }
  Ran event(const std::string& domain, const std::string& name, Map attrs = {}) {
    return event_to(root, services->first_eci(root), domain, name, std::move(attrs));
  }
  // Delivers an event:send / ctx:event as the engine would (by ECI).
  Ran deliver(const OutgoingEvent& o) {
    auto c = services->channel(o.eci);
    REQUIRE(c);
    return event_to(c->pico_id, o.eci, o.domain, o.name,
                    o.attrs.is_map() ? o.attrs.as_map() : Map());
  }
  Answer query_on(const std::string& pico_id, const std::string& name, Map args = {},
                  const std::string& rid = kWrangler) {
    return query_pico(pico(pico_id), rid, name, args, *services);
  }
  Value q(const std::string& name, Map args = {}) {
    auto out = query_on(root, name, std::move(args));
    INFO(out.error);
    REQUIRE(out.ok);
    return out.value;
  }
};

// The raised events of one outcome, "domain:name" in order.
std::vector<std::string> raised(const Ran& o) {
  std::vector<std::string> out;
  for (const auto& r : o.raised) out.push_back(r.domain + ":" + r.name);
  return out;
}

const ScheduledEntry* find_raised(const Ran& o, const std::string& name) {
  for (const auto& r : o.raised) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const char* kCounter = R"(ruleset counter {
  meta { name "Counter" version "1.2" author "tests" shares n, cfg }
  global { n = function() { ent:n.defaultsTo(0) } cfg = function() { ctx:rid_config } }
  rule inc { select when counter inc always { ent:n := n() + 1 } }
})";

}  // namespace

TEST_CASE("wrangler: install and uninstall rulesets", "[wrangler]") {
  Engine e;
  std::string url = e.write_krl("counter.krl", kCounter);
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler"])");

  auto out = e.event("wrangler", "install_ruleset_request",
                     json_map(R"({"url":")" + url + R"(","config":{"k":1}})"));
  INFO(out.error);
  REQUIRE(out.ok);
  const ScheduledEntry* done = find_raised(out, "ruleset_installed");
  REQUIRE(done);
  CHECK(J(field(done->attrs, "rids")) == R"(["counter"])");
  CHECK(J(field(done->attrs, "url")) == "\"" + url + "\"");
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler","counter"])");
  CHECK(J(e.q("rulesetConfig", {{"rid", Value("counter")}})) == R"({"k":1})");
  CHECK(J(e.q("rulesetMeta", {{"rid", Value("counter")}})) ==
        R"({"version":"1.2","name":"Counter","author":"tests","shares":["n","cfg"]})");
  REQUIRE(e.event("counter", "inc").ok);
  CHECK(J(e.query_on(e.root, "n", {}, "counter").value) == "1");
  CHECK(J(e.query_on(e.root, "cfg", {}, "counter").value) == R"({"k":1})");

  // Everything is in the store.
  e.reopen();
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler","counter"])");
  CHECK(J(e.query_on(e.root, "n", {}, "counter").value) == "1");

  // Uninstall drops the installation and its entity variables.
  out = e.event("wrangler", "uninstall_ruleset_request", json_map(R"({"rid":"counter"})"));
  REQUIRE(out.ok);
  CHECK(raised(out) == std::vector<std::string>{"wrangler:ruleset_uninstalled"});
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler"])");
  std::string raw;
  CHECK_FALSE(e.store->get(spime::store::keys::entvar(e.root, "counter", "n"), &raw));
  e.reopen();
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler"])");
  CHECK(e.query_on(e.root, "n", {}, "counter").error == "Pico doesn't have counter installed.");

  // As the reference, uninstalling a rid that is not installed is not an error.
  out = e.event("wrangler", "uninstall_ruleset_request", json_map(R"({"rid":"nope"})"));
  CHECK(out.ok);
  CHECK(raised(out) == std::vector<std::string>{"wrangler:ruleset_uninstalled"});
}

TEST_CASE("wrangler: install relative to an absolute url", "[wrangler]") {
  Engine e;
  std::string url = e.write_krl("counter.krl", kCounter);
  std::string base = url.substr(0, url.rfind('/')) + "/other.krl";
  auto out = e.event("wrangler", "install_ruleset_request",
                     json_map(R"({"absoluteURL":")" + base + R"(","rid":"counter"})"));
  INFO(out.error);
  REQUIRE(out.ok);
  // ruleset_installed goes to both installed rulesets (one entry per rid).
  CHECK(raised(out) == std::vector<std::string>{"wrangler:install_ruleset_request",
                                                "wrangler:ruleset_installed",
                                                "wrangler:ruleset_installed"});
  CHECK(J(field(find_raised(out, "ruleset_installed")->attrs, "url")) == "\"" + url + "\"");
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler","counter"])");

  // Flushing re-reads every installed ruleset's source; running picos keep
  // their instance until reloaded.
  std::ofstream(e.dir / "krl" / "counter.krl")
      << "ruleset counter { meta { shares n } global { n = function() { 42 } } }";
  out = e.event("wrangler", "rulesets_need_flushing");
  INFO(out.error);
  REQUIRE(out.ok);
  CHECK(find_raised(out, "rulesets_flushed"));
  e.reopen();
  CHECK(J(e.query_on(e.root, "n", {}, "counter").value) == "42");
}

TEST_CASE("wrangler: install errors change nothing", "[wrangler]") {
  Engine e;
  std::string missing = "file://" + (e.dir / "krl" / "missing.krl").string();
  auto out =
      e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + missing + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.status == 500);
  CHECK(out.batch.empty());
  CHECK(out.error.find("io.picolabs.wrangler rule install_ruleset_absolutely at ") == 0);
  CHECK(out.error.find("cannot read " + missing) != std::string::npos);

  // An unknown rid next to a known url is a missing file too.
  out = e.event("wrangler", "install_ruleset_request",
                json_map(R"({"absoluteURL":")" + missing + R"(","rid":"nope"})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("nope.krl") != std::string::npos);

  // A ruleset that does not compile.
  std::string bad = e.write_krl("bad.krl", "ruleset bad { global { x = } }");
  out = e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + bad + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find(bad + ":1:") != std::string::npos);

  // Globals that fail: the install is rolled back with the schedule.
  std::string boom = e.write_krl("boom.krl", "ruleset boom { global { x = 1; y = x(2) } }");
  out = e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + boom + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.batch.empty());

  // A url that is not a string never reaches the rule (select when needs a match).
  out = e.event("wrangler", "install_ruleset_request", json_map(R"({"url":""})"));
  CHECK(out.ok);
  CHECK(out.raised.empty());

  e.reopen();
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler"])");
}

TEST_CASE("wrangler: a module in use cannot be uninstalled", "[wrangler]") {
  Engine e;
  std::string lib =
      e.write_krl("lib.krl", "ruleset lib { meta { provides f } global { f = function() { 1 } } }");
  std::string app = e.write_krl(
      "app.krl", "ruleset app { meta { use module lib shares g } global { g = lib:f() } }");
  REQUIRE(
      e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + lib + R"("})")).ok);
  auto installed =
      e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + app + R"("})"));
  INFO(installed.error);
  REQUIRE(installed.ok);
  auto out = e.event("wrangler", "uninstall_ruleset_request", json_map(R"({"rid":"lib"})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("Cannot uninstall lib because app depends on it") != std::string::npos);
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler","lib","app"])");
  REQUIRE(e.event("wrangler", "uninstall_ruleset_request", json_map(R"({"rid":"app"})")).ok);
  REQUIRE(e.event("wrangler", "uninstall_ruleset_request", json_map(R"({"rid":"lib"})")).ok);
  CHECK(J(e.q("installedRIDs")) == R"(["io.picolabs.wrangler"])");
}

TEST_CASE("wrangler: channels", "[wrangler]") {
  Engine e;
  const char* policies =
      R"("eventPolicy":{"allow":[{"domain":"a","name":"*"}],"deny":[]},)"
      R"("queryPolicy":{"allow":[{"rid":"*","name":"*"}],"deny":[{"rid":"x","name":"y"}]})";
  auto out = e.event("wrangler", "new_channel_request",
                     json_map(std::string(R"({"tags":["Two Words","b"],)") + policies + "}"));
  INFO(out.error);
  REQUIRE(out.ok);
  REQUIRE(raised(out) == std::vector<std::string>{"wrangler:channel_created"});
  const Value& chan = field(out.raised[0].attrs, "channel");
  std::string eci = field(chan, "id").as_string();
  CHECK(J(field(chan, "tags")) == R"(["two-words","b"])");
  CHECK(J(field(chan, "eventPolicy")) == R"({"allow":[{"domain":"a","name":"*"}],"deny":[]})");
  CHECK(field(chan, "familyChannelPicoID").is_null());
  CHECK(J(field(out.raised[0].attrs, "tags")) == R"(["Two Words","b"])");

  CHECK(e.q("channels").as_array().size() == 2);
  // Filtered by tags: any order, any case, an array or a comma separated string.
  for (const char* tags : {R"("b,two-words")", R"(["B","TWO-WORDS"])", R"("two-words,b")"}) {
    INFO(tags);
    Value list = e.q("channels", json_map(std::string(R"({"tags":)") + tags + "}"));
    REQUIRE(list.as_array().size() == 1);
    CHECK(field(list.as_array()[0], "id").as_string() == eci);
  }
  CHECK(e.q("channels", json_map(R"({"tags":"b"})")).as_array().empty());
  CHECK(J(field(e.q("channels", json_map(R"({"tags":"system,self"})")).as_array().at(0), "tags")) ==
        R"(["system","self"])");

  // The channel and its policies survive a reopen.
  e.reopen();
  auto c = e.services->channel(eci);
  REQUIRE(c);
  CHECK(c->pico_id == e.root);
  CHECK(c->query_policy.deny.size() == 1);
  CHECK(e.q("channels").as_array().size() == 2);

  // Without all three settings the rule does not fire.
  out = e.event("wrangler", "new_channel_request", json_map(R"({"tags":["c"]})"));
  CHECK(out.ok);
  CHECK(out.raised.empty());
  CHECK(e.q("channels").as_array().size() == 2);

  out = e.event("wrangler", "channel_deletion_request", json_map(R"({"eci":")" + eci + R"("})"));
  REQUIRE(out.ok);
  CHECK(raised(out) == std::vector<std::string>{"wrangler:channel_deleted"});
  CHECK(e.q("channels").as_array().size() == 1);
  CHECK_FALSE(e.services->channel(eci));
  out = e.event("wrangler", "channel_deletion_request", json_map(R"({"eci":")" + eci + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("ECI not found " + eci) != std::string::npos);
}

TEST_CASE("wrangler: bad channel settings give the reference's messages", "[wrangler]") {
  Engine e;
  struct Case {
    const char* attrs;
    const char* message;
  };
  const Case cases[] = {
      {R"({"tags":["a"],"eventPolicy":{"allow":[]},"queryPolicy":{"allow":[],"deny":[]}})",
       "TypeError: EventPolicy expects {allow: EventPolicyRule[], deny: EventPolicyRule[]}"},
      {R"({"tags":["a"],"eventPolicy":{"allow":[{"domain":"a"}],"deny":[]},)"
       R"("queryPolicy":{"allow":[],"deny":[]}})",
       "TypeError: EventPolicyRule expects {domain: string, name: string}"},
      {R"({"tags":["a"],"eventPolicy":{"allow":[],"deny":[]},"queryPolicy":{"allow":1,"deny":[]}})",
       "TypeError: QueryPolicy expects {allow: QueryPolicyRule[], deny: QueryPolicyRule[]}"},
      {R"({"tags":["a"],"eventPolicy":{"allow":[],"deny":[]},)"
       R"("queryPolicy":{"allow":[{"rid":" ","name":"q"}],"deny":[]}})",
       "TypeError: QueryPolicyRule expects {rid: string, name: string}"},
      {R"({"tags":"a","eventPolicy":{"allow":[],"deny":[]},"queryPolicy":{"allow":[],"deny":[]}})",
       "TypeError: Channel `tags` must be an array of non-empty strings."},
      {R"({"tags":["system"],"eventPolicy":{"allow":[],"deny":[]},)"
       R"("queryPolicy":{"allow":[],"deny":[]}})",
       "TypeError: Cannot tag channel as \"system\"."},
      {R"({"tags":[" - "],"eventPolicy":{"allow":[],"deny":[]},"queryPolicy":{"allow":[],"deny":[]}})",
       "TypeError: Channel tag cannot be a blank string."},
  };
  for (const Case& c : cases) {
    INFO(c.attrs);
    auto out = e.event("wrangler", "new_channel_request", json_map(c.attrs));
    CHECK_FALSE(out.ok);
    CHECK(out.batch.empty());
    INFO(out.error);
    CHECK(out.error.find(std::string(": ") + c.message) != std::string::npos);
  }
  e.reopen();
  CHECK(e.q("channels").as_array().size() == 1);
}

TEST_CASE("wrangler: children", "[wrangler]") {
  Engine e;
  CHECK(J(e.q("children")) == "[]");
  auto out = e.event("wrangler", "new_child_request", json_map(R"({"name":"Kid"})"));
  INFO(out.error);
  REQUIRE(out.ok);
  const ScheduledEntry* created = find_raised(out, "new_child_created");
  REQUIRE(created);
  std::string child_eci = field(created->attrs, "eci").as_string();
  CHECK(field(created->attrs, "name").as_string() == "Kid");
  // The child ran wrangler:pico_created inside the parent's transaction
  // (ctx:eventQuery on its new ECI); what it sends on is the parent's
  // child_initialized, delivered once everything committed.
  REQUIRE(out.outgoing.size() == 1);
  CHECK(out.outgoing[0].domain == "wrangler");
  CHECK(out.outgoing[0].name == "child_initialized");
  CHECK(field(out.outgoing[0].attrs, "eci").as_string() == child_eci);

  auto link = e.services->channel(child_eci);
  REQUIRE(link);
  std::string child = link->pico_id;
  CHECK(link->tags == std::vector<std::string>{"system", "child"});
  CHECK(link->family_pico_id == e.root);
  CHECK(J(e.query_on(child, "installedRIDs").value) == R"(["io.picolabs.wrangler"])");
  // Child side: its channels (self and the parent's link), its parent.
  Value child_chans = e.query_on(child, "channels").value;
  REQUIRE(child_chans.as_array().size() == 2);
  CHECK(J(field(child_chans.as_array()[0], "tags")) == R"(["system","self"])");
  CHECK(field(child_chans.as_array()[0], "familyChannelPicoID").as_string() == child);
  // Parent side: a "system","parent" channel the child uses to reach it.
  Value parent_link = e.q("channels", json_map(R"({"tags":"system,parent"})"));
  REQUIRE(parent_link.as_array().size() == 1);
  CHECK(field(parent_link.as_array()[0], "familyChannelPicoID").as_string() == child);

  // The child knows its name already and told its parent through the link.
  CHECK(find_raised(out, "pico_initialized") == nullptr);  // raised on the child, not here
  CHECK(out.outgoing[0].eci == field(parent_link.as_array()[0], "id").as_string());
  CHECK(J(e.query_on(child, "name").value) == R"("Kid")");
  CHECK(J(e.query_on(child, "myself").value) ==
        R"({"name":"Kid","id":")" + child + R"(","eci":")" + child_eci + R"("})");
  REQUIRE(e.deliver(out.outgoing[0]).ok);

  e.reopen();
  CHECK(J(e.q("children")) == R"([{"eci":")" + child_eci + R"(","name":"Kid","parent_eci":")" +
                                  field(parent_link.as_array()[0], "id").as_string() + R"("}])");

  // The child's family channels cannot be deleted or edited from the child.
  out = e.event_to(child, child_eci, "wrangler", "channel_deletion_request",
                   json_map(R"({"eci":")" + child_eci + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("Cannot delete family channels.") != std::string::npos);

  // A second child, then delete the first: its records go, the second stays.
  out = e.event("wrangler", "new_child_request",
                json_map(R"({"name":"Two","backgroundColor":"#fff"})"));
  REQUIRE(out.ok);
  std::string second = field(find_raised(out, "new_child_created")->attrs, "eci").as_string();
  REQUIRE(e.deliver(out.outgoing[0]).ok);
  CHECK(e.q("children").as_array().size() == 2);
  out =
      e.event("wrangler", "child_deletion_request", json_map(R"({"eci":")" + child_eci + R"("})"));
  INFO(out.error);
  REQUIRE(out.ok);
  CHECK(raised(out) == std::vector<std::string>{"wrangler:child_deleted"});
  e.reopen();
  std::string raw;
  CHECK_FALSE(e.store->get(spime::store::keys::pico(child), &raw));
  CHECK_FALSE(e.services->channel(child_eci));
  Value kids = e.q("children");
  REQUIRE(kids.as_array().size() == 1);
  CHECK(field(kids.as_array()[0], "eci").as_string() == second);
  CHECK(field(kids.as_array()[0], "name").as_string() == "Two");
  CHECK(e.q("channels", json_map(R"({"tags":"system,parent"})")).as_array().size() == 1);
  out =
      e.event("wrangler", "child_deletion_request", json_map(R"({"eci":")" + child_eci + R"("})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("delPico(" + child_eci + ") - not found in children ECIs") !=
        std::string::npos);

  // A child request without a name does nothing.
  out = e.event("wrangler", "new_child_request");
  CHECK(out.ok);
  CHECK(out.raised.empty());
}

TEST_CASE("wrangler: the root pico names itself", "[wrangler]") {
  Engine e;
  CHECK(e.q("name").is_null());
  REQUIRE(e.event("engine_ui", "setup").ok);
  CHECK(J(e.q("name")) == R"("Pico")");
  CHECK(J(e.q("id")) == "\"" + e.root + "\"");
  Value me = e.q("myself");
  CHECK(field(me, "eci").as_string() == e.services->first_eci(e.root));
  REQUIRE(e.event("wrangler", "name_changed", json_map(R"({"name":"Home"})")).ok);
  CHECK(J(e.q("name")) == R"("Home")");
  // picoQuery refuses the pico itself, and asks other picos by ECI.
  Value self = e.q("picoQuery", json_map(R"({"eci":")" + e.services->first_eci(e.root) +
                                         R"(","mod":"io.picolabs.wrangler","func":"name"})"));
  CHECK(field(self, "status_code").as_number() == 400);
}

TEST_CASE("ctx: channel and pico actions as the reference", "[wrangler]") {
  Engine e;
  std::string url = e.write_krl("t.krl", R"(ruleset t {
    meta { shares chans, one, tagged }
    global {
      chans = function() { ctx:channels.map(function(c) { c{"tags"}.join(",") }) }
      one = function(eci) { ctx:channel(eci) }
      tagged = function(tags) { ctx:channelsTagged(tags).map(function(c) { c{"id"} }) }
    }
    rule put { select when t put ctx:putChannel(event:attr("eci"), ["renamed"]) }
    rule upsert { select when t upsert
      ctx:upsertChannel(event:attr("tags"), event:attr("ep")) }
    rule newpico { select when t newpico ctx:newPico(event:attr("rs")) }
    rule install { select when t install ctx:install(event:attr("url")) }
    rule uninstall { select when t uninstall ctx:uninstall(3) }
  })");
  REQUIRE(
      e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + url + R"("})")).ok);
  auto chans = [&] { return J(e.query_on(e.root, "chans", {}, "t").value); };
  CHECK(chans() == R"(["system,self"])");

  // upsertChannel creates, then updates the channel with the same tags (any order).
  REQUIRE(e.event("t", "upsert", json_map(R"({"tags":["b","a"]})")).ok);
  CHECK(chans() == R"(["system,self","b,a"])");
  auto out = e.event("t", "upsert",
                     json_map(R"({"tags":["A","b"],"ep":{"allow":[],"deny":[{"domain":"*",)"
                              R"("name":"*"}]}})"));
  REQUIRE(out.ok);
  CHECK(chans() == R"(["system,self","a,b"])");
  Value list = e.q("channels", json_map(R"({"tags":"a,b"})"));
  REQUIRE(list.as_array().size() == 1);
  std::string eci = field(list.as_array()[0], "id").as_string();
  CHECK(e.services->channel(eci)->event_policy.deny.size() == 1);

  // ctx:channel and ctx:channelsTagged (ours) answer what ctx:channels shows, without it.
  auto on = [&](const char* name, const std::string& args) {
    return e.query_on(e.root, name, json_map(args), "t").value;
  };
  CHECK(J(on("one", R"({"eci":")" + eci + R"("})")) == J(list.as_array()[0]));
  CHECK(on("one", R"({"eci":"nope"})").is_null());
  CHECK(J(on("tagged", R"({"tags":["b","a"]})")) == "[\"" + eci + "\"]");
  CHECK(J(on("tagged", R"({"tags":["a"]})")) == "[]");
  CHECK(J(on("tagged", R"({"tags":["a","b","b"]})")) == "[]");
  auto bad = e.query_on(e.root, "tagged", json_map(R"({"tags":"a,b"})"), "t");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("ctx:channelsTagged: tags must be an array of strings") !=
        std::string::npos);

  // putChannel changes only what is given: the policy stays.
  REQUIRE(e.event("t", "put", json_map(R"({"eci":")" + eci + R"("})")).ok);
  CHECK(chans() == R"(["system,self","renamed"])");
  CHECK(e.services->channel(eci)->event_policy.deny.size() == 1);
  out = e.event("t", "put", json_map(R"({"eci":"nope"})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find(": ECI not found nope") != std::string::npos);

  out = e.event("t", "newpico", json_map(R"({"rs":{"url":"x"}})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("TypeError: ctx:newPico expects an array of {url, config}") !=
        std::string::npos);
  out = e.event("t", "newpico", json_map(R"({"rs":[{"url":"file:///nonexistent/x.krl"}]})"));
  CHECK_FALSE(out.ok);
  CHECK(out.batch.empty());
  CHECK(out.error.find("cannot read file:///nonexistent/x.krl") != std::string::npos);
  CHECK(J(e.q("children")) == "[]");
  // An empty ruleset list is a pico with nothing installed.
  REQUIRE(e.event("t", "newpico", json_map(R"({"rs":[]})")).ok);
  REQUIRE(e.pico(e.root).children_in_order().size() == 1);

  out = e.event("t", "install", json_map(R"({"url":3})"));
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("TypeError: Expected string for url but got Number") != std::string::npos);
  out = e.event("t", "uninstall");
  CHECK_FALSE(out.ok);
  CHECK(out.error.find("TypeError: Expected string for rid but got Number") != std::string::npos);

  // Structural actions cannot run in a query: an action is not a function
  // (as the reference); the read-only host is a second guard.
  std::string qurl = e.write_krl("q.krl", R"(ruleset q {
    meta { shares make }
    global { make = function() { ctx:newChannel(["x"]) } }
  })");
  REQUIRE(
      e.event("wrangler", "install_ruleset_request", json_map(R"({"url":")" + qurl + R"("})")).ok);
  auto qo = e.query_on(e.root, "make", {}, "q");
  CHECK_FALSE(qo.ok);
  CHECK(qo.error == "q at 3:34: TypeError: [Action] is not a function");
  CHECK(e.q("channels").as_array().size() == 3);
}
