// Picos made from prototypes by KRL (a ruleset raising
// wrangler:new_child_request) and with birth subscriptions: the new pico
// asks to join its sibling collection in the creating transaction; the
// collection's rulesets accept; the subscription is established and carries
// the device's violations to the collection.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/prototype_helpers.h"
#include "tests/integration/store_counts.h"

using namespace spime::integration;

namespace {

constexpr const char* kSubs = "io.picolabs.subscription";

// The collection's side: accepts every member that asks.
const char* kAccept = R"(ruleset test.accept_members {
  rule accept {
    select when wrangler inbound_pending_subscription_added
    always {
      raise wrangler event "pending_subscription_approval"
        attributes event:attrs.delete("Rx_eventPolicy").delete("Rx_queryPolicy")
    }
  }
})";

// Makes children from prototypes when asked.
const char* kMaker = R"(ruleset test.proto_maker {
  rule make {
    select when test make
    always {
      raise wrangler event "new_child_request"
        attributes { "name": event:attr("name"), "prototype": event:attr("prototype") }
    }
  }
})";

const char* kHall = R"(name: hall
channels:
  - name: query
    query_policy:
      allow: [{rid: esproto_collection, name: "*"}, {rid: io.picolabs.subscription, name: "*"}]
      deny: []
rulesets:
  - rid: esproto_collection
  - url: accept_members.krl
)";

const char* kMember = R"(name: member
channels:
  - name: transducer
    event_policy: {allow: [{domain: wovyn, name: heartbeat}], deny: []}
  - name: query
    query_policy:
      allow: [{rid: esproto_device, name: "*"}, {rid: io.picolabs.subscription, name: "*"},
              {rid: io.picolabs.wrangler, name: "*"}]
      deny: []
rulesets:
  - rid: esproto_router
  - rid: esproto_device
initialization:
  - {domain: esproto, type: new_threshold,
     attributes: {threshold_type: temperature, upper_limit: 80, lower_limit: 60}}
subscriptions:
  - {collection: hallway, collection_role: collection, subscriber_role: device}
)";

struct Folder {
  TempDir dir;
  Folder() {
    dir.write("accept_members.krl", kAccept);
    dir.write("maker.krl", kMaker);
    dir.write("hall.yaml", kHall);
    dir.write("member.yaml", kMember);
    dir.write("loner.yaml",
              "name: loner\nextends: member\nsubscriptions:\n"
              "  - {collection: attic, collection_role: c, subscriber_role: d}\n");
  }
};

}  // namespace

TEST_CASE("prototypes: a birth subscription joins the sibling collection",
          "[integration][prototypes]") {
  Folder folder;
  SpimeServer server(with_prototypes(folder.dir.path()));
  json hall = new_child_from(server, server.owner_eci(), "hallway", "hall");
  const std::string hall_query = channel_of(hall, "query");
  json member = new_child_from(server, server.owner_eci(), "m1", "member");
  const std::string member_query = channel_of(member, "query");

  json mine, theirs;
  REQUIRE(eventually(
      [&] {
        mine = must_query(server, member_query, kSubs, "established");
        theirs = must_query(server, hall_query, kSubs, "established");
        return mine.size() == 1 && theirs.size() == 1;
      },
      std::chrono::seconds(10)));
  CHECK(mine[0].at("Tx_role") == "collection");
  CHECK(mine[0].at("Rx_role") == "device");
  CHECK(theirs[0].at("Tx_role") == "device");
  CHECK(theirs[0].at("Id") == mine[0].at("Id"));

  // A hot heartbeat on the member is a violation the collection logs.
  HttpResult hot =
      server.post("/sky/event/" + channel_of(member, "transducer") + "/hb/wovyn/heartbeat",
                  read_file(std::string(SPIME_SHARED_DIR) + "/esproto/temp-hot.json"));
  INFO(describe(hot));
  CHECK(contains(directives_of(hot), "threshold_violation"));
  REQUIRE(eventually([&] {
    return must_query(server, hall_query, "esproto_collection", "violations").size() == 1;
  }));
}

TEST_CASE("prototypes: a birth subscription to no sibling fails the creation",
          "[integration][prototypes]") {
  Folder folder;
  SpimeServer server(with_prototypes(folder.dir.path()));
  new_child_from(server, server.owner_eci(), "hallway", "hall");
  const auto kids = child_ecis(server, server.owner_eci());
  server.stop();
  const auto keys = pico_key_counts(server);
  server.start();
  HttpResult r = server.event(server.owner_eci(), "wrangler", "new_child_request",
                              {{"name", "alone"}, {"prototype", "loner"}});
  INFO(describe(r));
  CHECK(r.status == 500);
  CHECK(r.text.find("prototype loner: no child named attic to subscribe to") != std::string::npos);
  CHECK(child_ecis(server, server.owner_eci()) == kids);
  server.stop();
  CHECK(pico_key_counts(server) == keys);
}

TEST_CASE("prototypes: a ruleset makes a pico from a prototype", "[integration][prototypes]") {
  Folder folder;
  SpimeServer server(with_prototypes(folder.dir.path()));
  ChildPico factory = new_child_pico(server, server.owner_eci(), "factory");
  install_ruleset(server, factory.eci, file_url(folder.dir.path() + "/maker.krl"),
                  "test.proto_maker");
  // Its own collection first, then a member that joins it, both by KRL.
  json answer =
      must_event(server, factory.eci, "test", "make", {{"name", "hallway"}, {"prototype", "hall"}});
  json hall = new_child_directive(answer);
  answer =
      must_event(server, factory.eci, "test", "make", {{"name", "m1"}, {"prototype", "member"}});
  json member = new_child_directive(answer);
  CHECK(member.at("name") == "m1");

  json kids = must_query(server, factory.eci, kWrangler, "children");
  REQUIRE(kids.size() == 2);
  CHECK(kids[1].at("name") == "m1");
  CHECK(kids[1].at("eci") == member.at("eci"));
  const std::string query = channel_of(member, "query");
  CHECK(contains(installed_rids(server, query), "esproto_device"));
  CHECK(channels_tagged(server, query, "transducer").size() == 1);
  CHECK(must_query(server, query, "esproto_device", "thresholds").at("temperature") ==
        json::parse(R"({"upper_limit": 80, "lower_limit": 60})"));
  REQUIRE(eventually([&] {
    return must_query(server, channel_of(hall, "query"), kSubs, "established").size() == 1;
  }));
}
