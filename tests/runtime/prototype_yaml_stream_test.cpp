// read_prototype_yaml on malformed YAML streams that yaml-cpp 0.7's LoadAll
// never finished (found by tests/fuzz/prototype_yaml_fuzz.cpp; the inputs are
// also in tests/fuzz/regressions/prototype_yaml/): each is answered, at once,
// with an error.
#include <catch2/catch.hpp>

#include <string>

#include "engine/runtime/prototypes/prototype.h"
#include "engine/runtime/prototypes/yaml_reader.h"

using spime::runtime::PrototypeDraft;
using spime::runtime::PrototypeError;
using spime::runtime::read_prototype_yaml;

namespace {

std::string error_of(const std::string& text) {
  PrototypeDraft draft;
  PrototypeError error;
  if (read_prototype_yaml("x.yaml", "/base", text, &draft, &error)) return "";
  return error.to_string();
}

}  // namespace

TEST_CASE("prototypes: a stream that starts with ',' is an error, not a hang", "[prototypes]") {
  CHECK(error_of(",") == "x.yaml:1:1: empty: a prototype is a map (name, channels, rulesets, ...)");
  CHECK_FALSE(error_of(", a\n").empty());
  CHECK_FALSE(error_of(std::string(",# x, upper:i l\0?_t", 19)).empty());
}

TEST_CASE("prototypes: documents are still counted after the bounded scan", "[prototypes]") {
  CHECK(error_of("name: x\n---\nname: y\n") ==
        "x.yaml:3:1: one prototype per file: a second YAML document begins here");
  CHECK(error_of("") == "x.yaml:1:1: empty: a prototype is a map (name, channels, rulesets, ...)");
}
