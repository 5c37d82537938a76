// The reference's test of module-used.krl and module-defined.krl (use module, configure
// using / with, provided functions and actions, uninstall checks), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference module-used.krl: modules", "[reference]") {
  TestEngine e;
  const std::string defined = "io.picolabs.module-defined";
  const std::string used = "io.picolabs.module-used";

  // step 1: a ruleset that uses a module not installed is refused. The
  // reference answers 200 {"error": "Error: Dependant module not loaded:
  // io.picolabs.module-defined"}; spime answers 500 and names the failing
  // wrangler rule first (deliberate), so the message is checked as contained.
  CHECK_THAT(refused(e.install_raw("module-used.krl")),
             Catch::Matchers::Contains("Dependant module not loaded: io.picolabs.module-defined"));
  // step 2: the module first, then its user (module-used.krl also calls
  // my_module_dflt:sayHello, which module-defined does not provide, in a rule
  // the test never runs: the reference installs it all the same)
  e.install("module-defined.krl");
  e.install("module-used.krl");

  // steps 3-4: the configuration: module default, overridden by `with`
  CHECK(e.signal("module_used", "dflt_name") == json::array({dir("dflt_name", {{"name", "Bob"}})}));
  CHECK(e.signal("module_used", "conf_name") == json::array({dir("conf_name", {{"name", "Jim"}})}));
  // step 5: a module used in the global block
  CHECK(e.query(used, "dfltName") == "Bob");

  // steps 6-7: provided functions read the module's own ent vars (nothing
  // stored yet)
  CHECK(e.signal("module_used", "dflt_info") ==
        json::array({dir("dflt_info", {{"info",
                                        {{"name", "Bob"},
                                         {"memo", nullptr},
                                         {"privateFn", "privateFn = name: Bob memo: null"}}}})}));
  CHECK(e.signal("module_used", "conf_info") ==
        json::array({dir("conf_info", {{"info",
                                        {{"name", "Jim"},
                                         {"memo", nullptr},
                                         {"privateFn", "privateFn = name: Jim memo: null"}}}})}));

  // steps 8-9: the module as a ruleset of the pico stores a memo (with its
  // default configuration)
  CHECK(e.signal("module_defined", "store_memo", {{"memo", "foo"}}) ==
        json::array({dir("store_memo", {{"name", "Bob"}, {"memo_to_store", "foo"}})}));
  const std::string memo = "[\"foo\" by Bob]";
  CHECK(
      e.query(defined, "getInfo") ==
      json(
          {{"name", "Bob"}, {"memo", memo}, {"privateFn", "privateFn = name: Bob memo: " + memo}}));

  // steps 10-11: the user sees the memo, each alias with its own configuration
  CHECK(
      e.signal("module_used", "dflt_info") ==
      json::array({dir("dflt_info", {{"info",
                                      {{"name", "Bob"},
                                       {"memo", memo},
                                       {"privateFn", "privateFn = name: Bob memo: " + memo}}}})}));
  CHECK(
      e.signal("module_used", "conf_info") ==
      json::array({dir("conf_info", {{"info",
                                      {{"name", "Jim"},
                                       {"memo", memo},
                                       {"privateFn", "privateFn = name: Jim memo: " + memo}}}})}));

  // steps 12-15: a provided defaction: its directive, and what it returns
  CHECK(
      e.signal("module_used", "dflt_getInfoAction") ==
      json::array({dir("getInfoAction", {{"name", "Bob"},
                                         {"memo", memo},
                                         {"privateFn", "privateFn = name: Bob memo: " + memo}})}));
  CHECK(e.query(used, "getEntVal") == json{{"name", "Bob"}});
  CHECK(
      e.signal("module_used", "conf_getInfoAction") ==
      json::array({dir("getInfoAction", {{"name", "Jim"},
                                         {"memo", memo},
                                         {"privateFn", "privateFn = name: Jim memo: " + memo}})}));
  CHECK(e.query(used, "getEntVal") == json{{"name", "Jim"}});

  // step 16: a module cannot be uninstalled while a ruleset uses it (the
  // reference: 200 {"error"}; spime: 500, the message after the rule's name)
  CHECK_THAT(refused(e.signal_raw("module_used", "uninstall")),
             Catch::Matchers::Contains("Cannot uninstall io.picolabs.module-defined because "
                                       "io.picolabs.module-used depends on it"));
}

// A module is the pico's own, as the reference (CorePico.use): a ruleset
// installed on another pico only does not count. The reference answers
// "Error: Module not found: io.picolabs.module-defined".
TEST_CASE("use module of a ruleset installed on another pico only is refused", "[reference]") {
  TestEngine e;
  const spime::integration::ChildPico other = new_child_pico(e.server, e.eci, "other");
  install_test_file(e.server, other.eci, "module-defined.krl");
  // Registered now, installed on `other` only: the owner's pico may not use it.
  std::string error = refused(e.install_raw("module-used.krl"));
  CHECK_THAT(error, Catch::Matchers::Contains("Module not found: io.picolabs.module-defined"));
  CHECK_FALSE(contains(installed_rids(e.server, e.eci), "io.picolabs.module-used"));
  // Installed on the pico itself, it is found.
  e.install("module-defined.krl");
  e.install("module-used.krl");
  CHECK(e.signal("module_used", "dflt_name") == json::array({dir("dflt_name", {{"name", "Bob"}})}));
  // And the other pico, which has the module, can use it too.
  install_test_file(e.server, other.eci, "module-used.krl");
}
