// The answers of the wrangler, subscription and engine UI rulesets have the
// reference's shapes, key for key and type for type: clients written for the
// reference (its web UI, Manifold) read them. The reference's answers are
// recorded in fixtures/reference_shapes/ (its README says how); here the
// same picos and subscription are made on a real `spime serve` and each
// answer is compared with the recorded one's shape, not its values.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/subscription_helpers.h"

using namespace spime::integration;
using namespace spime::integration::subs;

namespace {

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "other";
  }
}

// The shape of a recorded answer: at each place, the JSON types seen there,
// an object's keys, and one shape for all the elements of an array (merged
// from every element, so a key null in one channel and a string in another
// admits both).
struct Shape {
  std::set<std::string> types;
  std::map<std::string, Shape> keys;
  std::vector<Shape> element;  // 0 or 1: the merged shape of the elements

  void add(const json& v) {
    types.insert(type_name(v));
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) keys[it.key()].add(it.value());
    } else if (v.is_array()) {
      for (const auto& e : v) {
        if (element.empty()) element.emplace_back();
        element[0].add(e);
      }
    }
  }
};

// Places ("rulesets[].meta.krlMeta") whose object keys are the ruleset's own
// business (a ruleset's meta block says what it says): type only.
// (`open_root`: the whole answer is one, as wrangler:rulesetMeta's.)
const std::set<std::string> kOpenObjects = {"rulesets[].meta.krlMeta"};

// Every way `ours` differs from `shape`, one line each ("path: what").
void compare(const json& ours, const Shape& shape, const std::string& path, bool open_root,
             std::vector<std::string>* out) {
  std::string t = type_name(ours);
  if (!shape.types.count(t)) {
    std::string want;
    for (const auto& s : shape.types) want += (want.empty() ? "" : "|") + s;
    out->push_back(path + ": " + t + " where the reference has " + want);
    return;
  }
  if (ours.is_object()) {
    if ((path.empty() && open_root) || kOpenObjects.count(path)) return;
    for (auto it = ours.begin(); it != ours.end(); ++it) {
      if (!shape.keys.count(it.key())) out->push_back(path + ": extra key " + it.key());
    }
    for (const auto& [key, sub] : shape.keys) {
      std::string p = path.empty() ? key : path + "." + key;
      if (!ours.contains(key)) {
        out->push_back(path + ": missing key " + key);
      } else {
        compare(ours.at(key), sub, p, open_root, out);
      }
    }
  } else if (ours.is_array() && !shape.element.empty()) {
    for (const auto& e : ours) compare(e, shape.element[0], path + "[]", open_root, out);
  }
}

json fixture(const std::string& name) {
  return json::parse(read_file(std::string(SPIME_SOURCE_DIR) +
                               "/tests/integration/fixtures/reference_shapes/" + name + ".json"));
}

// Requires `ours` to have the shape of the recorded answer `name`.
void same_shape(const std::string& name, const json& ours, bool open_root = false) {
  Shape shape;
  shape.add(fixture(name));
  std::vector<std::string> diffs;
  compare(ours, shape, "", open_root, &diffs);
  std::string all;
  for (const auto& d : diffs) all += "\n  " + d;
  INFO(name << ": ours " << ours.dump() << all);
  CHECK(diffs.empty());
}

}  // namespace

TEST_CASE("reference shapes: the comparison sees what differs", "[integration][shapes]") {
  Shape shape;
  shape.add(json::parse(R"([{"id":"x","familyChannelPicoID":null},
                            {"id":"y","familyChannelPicoID":"p"}])"));
  std::vector<std::string> diffs;
  compare(json::parse(R"([{"id":"z","familyChannelPicoID":"q"}])"), shape, "", false, &diffs);
  CHECK(diffs.empty());
  compare(json::parse(R"([{"id":1,"picoId":"p"}])"), shape, "", false, &diffs);
  CHECK(diffs == std::vector<std::string>{"[]: extra key picoId",
                                          "[]: missing key familyChannelPicoID",
                                          "[].id: number where the reference has string"});
}

TEST_CASE("reference shapes: wrangler, subscription and engine UI answers",
          "[integration][shapes]") {
  SpimeServer s;
  ChildPico a = new_child_pico(s, s.owner_eci(), "A");
  ChildPico b = new_child_pico(s, s.owner_eci(), "B");

  same_shape("wrangler_channels", must_query(s, a.eci, kWrangler, "channels"));
  same_shape("wrangler_children", must_query(s, s.owner_eci(), kWrangler, "children"));
  same_shape("wrangler_myself", must_query(s, a.eci, kWrangler, "myself"));
  same_shape("wrangler_installedRIDs", must_query(s, a.eci, kWrangler, "installedRIDs"));
  same_shape("wrangler_name", must_query(s, a.eci, kWrangler, "name"));
  same_shape("wrangler_id", must_query(s, a.eci, kWrangler, "id"));
  same_shape("wrangler_parent_eci", must_query(s, a.eci, kWrangler, "parent_eci"));
  same_shape("wrangler_rulesetConfig",
             must_query(s, a.eci, kWrangler, "rulesetConfig", {{"rid", kSubs}}));
  same_shape("wrangler_rulesetMeta",
             must_query(s, a.eci, kWrangler, "rulesetMeta", {{"rid", kSubs}}), true);

  same_shape("subscription_wellKnown_Rx", subs_query(s, b.eci, "wellKnown_Rx"));
  must_event(s, a.eci, "wrangler", "subscription",
             {{"wellKnown_Tx", well_known(s, b.eci)},
              {"Rx_role", "node"},
              {"Tx_role", "collection"},
              {"name", "s1"},
              {"channel_type", "sub"}});
  same_shape("subscription_outbound", outbound(s, a.eci));
  json in = inbound(s, b.eci);
  same_shape("subscription_inbound", in);
  REQUIRE(in.size() == 1);
  must_event(s, b.eci, "wrangler", "pending_subscription_approval", {{"Id", in[0].at("Id")}});
  same_shape("subscription_established_requester", established(s, a.eci));
  same_shape("subscription_established_acceptor", established(s, b.eci));

  same_shape("ui_pico", must_query(s, a.ui_eci, kEngineUi, "pico"));
  same_shape("ui_box", must_query(s, a.ui_eci, kEngineUi, "box"));
  same_shape("ui_pico_root", must_query(s, s.owner_eci(), kEngineUi, "pico"));
}

TEST_CASE("reference shapes: each ruleset's meta, as the reference's web UI reads it",
          "[integration][shapes]") {
  SpimeServer s;
  ChildPico a = new_child_pico(s, s.owner_eci(), "A");
  json rulesets = must_query(s, a.ui_eci, kEngineUi, "pico").at("rulesets");
  REQUIRE(rulesets.size() >= 3);
  for (const auto& rs : rulesets) {
    INFO(rs.at("rid"));
    const json& meta = rs.at("meta");
    CHECK(meta.at("hash").is_string());
    CHECK(meta.at("compiler").at("version").is_string());
    CHECK(meta.at("compiler").at("warnings").is_array());
    CHECK(meta.at("flushed").is_string());
    CHECK(meta.at("krlMeta").is_object());
  }
  // The UI ruleset's own meta block, as it says.
  json ui = nullptr;
  for (const auto& rs : rulesets) {
    if (rs.at("rid") == kEngineUi) ui = rs;
  }
  REQUIRE(ui.is_object());
  CHECK(ui.at("meta").at("krlMeta").at("name") == "pico-engine-ui");
  CHECK(ui.at("meta").at("krlMeta").at("shares") ==
        json({"box", "uiECI", "pico", "logs", "testingECI", "name", "familyECI", "entvars"}));
}
