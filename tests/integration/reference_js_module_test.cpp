// The reference's test of js-module.krl (a module written in JavaScript), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference js-module.krl: host modules", "[reference]") {
  // Not expressible: the reference test starts its engine with a module
  // `myJsModule` written in JavaScript (a function fun0 and an action act),
  // passed in process to startEngine. There is no HTTP (or command line) way
  // to give an engine such a module, and spime has no JavaScript modules.
  //   step 1: qFn(3) would be myJsModule:fun0(3, b = 2) = 6
  //   step 2: js_module:action would answer [resp {val: 0.3}]
  // What can be said without the module, in both engines: neither step
  // answers as it would with it (both engines install the ruleset and fail
  // both steps at run time: the reference with "Cannot read properties of
  // null", spime with "Undefined domain: myJsModule").
  TestEngine e;
  HttpResult install = e.install_raw("js-module.krl");
  INFO("install: " << describe(install));
  // step 1, without the module
  HttpResult q = e.query_raw("io.picolabs.js-module", "qFn", {{"a", 3}});
  INFO("qFn: " << describe(q));
  CHECK_FALSE((q.status == 200 && q.body == 6));
  // step 2, without the module
  HttpResult a = e.signal_raw("js_module", "action");
  INFO("js_module:action: " << describe(a));
  CHECK(clean_directives(a.body) != json::array({dir("resp", {{"val", 0.3}})}));
}
