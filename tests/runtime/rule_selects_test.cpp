// RuleSelects: which event domains a ruleset's rules name (rule_selects.h).
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "engine/runtime/select_when/rule_selects.h"

using namespace spime::runtime;
using Kind = SelectSpec::Kind;

namespace {

std::shared_ptr<const SelectWhen> rule(SelectSpec spec) {
  std::string error;
  std::shared_ptr<const SelectWhen> sw = SelectWhen::compile(std::move(spec), std::nullopt, &error);
  INFO(error);
  REQUIRE(sw);
  return sw;
}

}  // namespace

TEST_CASE("RuleSelects: a ruleset names the domains of its rules' leaves", "[select]") {
  RuleSelects selects({rule(SelectSpec::event("wrangler", "new_child_request")), nullptr,
                       rule(SelectSpec::op(Kind::Or, {SelectSpec::event("engine_ui", "setup"),
                                                      SelectSpec::event("wrangler", "*")}))});
  CHECK(selects.size() == 3);
  CHECK(selects.at(0) != nullptr);
  CHECK(selects.at(1) == nullptr);  // an inactive rule
  CHECK(selects.at(3) == nullptr);  // past the end
  CHECK(selects.names_domain("wrangler"));
  CHECK(selects.names_domain("engine_ui"));
  CHECK_FALSE(selects.names_domain("wovyn"));
  CHECK_FALSE(selects.names_domain(""));
  CHECK_FALSE(selects.names_domain("wrangle"));
}

TEST_CASE("RuleSelects: a leaf of any domain names them all", "[select]") {
  RuleSelects selects({rule(SelectSpec::event("esproto", "x")), rule(SelectSpec::event("*", "y"))});
  CHECK(selects.names_domain("esproto"));
  CHECK(selects.names_domain("anything"));
  RuleSelects none({});
  CHECK_FALSE(none.names_domain("esproto"));
}
