// The prototypes shipped in prototypes/ load, against the shipped rulesets,
// with what the ESProto devices and collections need.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/rulesets/ruleset_registry.h"

using namespace spime;
using namespace spime::runtime;

namespace {

const PrototypeChannel* channel(const Prototype& p, const std::string& name) {
  for (const auto& c : p.channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("prototypes: the shipped prototypes all load", "[prototypes]") {
  RulesetRegistry registry(nullptr);
  REQUIRE(registry.load_directory(std::string(SPIME_SOURCE_DIR) + "/rulesets").empty());
  PrototypeCatalog catalog(std::string(SPIME_SOURCE_DIR) + "/prototypes");
  std::vector<std::string> errors;
  for (const auto& e : catalog.load_directory(registry)) errors.push_back(e.to_string());
  CHECK(errors.empty());
  CHECK(catalog.names() ==
        std::vector<std::string>{"collection", "esproto-device", "esproto-msa", "esproto-temp"});

  for (const char* device : {"esproto-temp", "esproto-msa"}) {
    INFO(device);
    auto p = catalog.get(device);
    REQUIRE(p);
    CHECK(p->extends == "esproto-device");
    const PrototypeChannel* transducer = channel(*p, "transducer");
    REQUIRE(transducer);
    CHECK(transducer->attrs_schema.is_map());  // the heartbeat schema, read from its file
    CHECK(channel_tags(*transducer) == std::vector<std::string>{"esproto", "transducer"});
    REQUIRE(channel(*p, "query"));
    REQUIRE(p->rulesets.size() == 2);
    CHECK(p->rulesets[0].rid == "esproto_router");
    CHECK(p->rulesets[1].rid == "esproto_device");
    const krl::Map router = effective_config(*p, p->rulesets[0]);
    REQUIRE(router.find("low_battery_percent"));
    CHECK(router.find("low_battery_percent")->as_number() == 20);
    REQUIRE(router.find("heartbeat_interval_seconds"));
    CHECK(!p->initialization.empty());
    for (const auto& e : p->initialization) {
      CHECK(e.domain == "esproto");
      CHECK(e.type == "new_threshold");
    }
  }
  CHECK(catalog.get("esproto-temp")->initialization.size() == 1);
  CHECK(catalog.get("esproto-msa")->initialization.size() == 3);

  auto collection = catalog.get("collection");
  REQUIRE(collection);
  REQUIRE(collection->rulesets.size() == 1);
  CHECK(collection->rulesets[0].rid == "esproto_collection");
  CHECK(channel(*collection, "members"));
}
