// A ruleset that no longer compiles after an upgrade (the reference's issue
// #206: its engine would not start at all). Made here by rewriting the
// stored source of a registered ruleset while the engine is stopped, as a
// stricter compiler would see it. The engine starts, serves every other
// ruleset and pico, and reports the broken one with file:line:col in its
// log and on GET /api/ruleset-errors.
#include <catch2/catch.hpp>

#include <string>

#include "engine/runtime/records/records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kGood = R"krl(
ruleset faults.good {
  meta {
    shares hello
  }
  global {
    hello = function() { "hello" }
  }
  rule count {
    select when faults ping
    fired {
      ent:n := ent:n.defaultsTo(0) + 1
    }
  }
}
)krl";

const char* kLater = R"krl(
ruleset faults.later {
  meta {
    shares value
  }
  global {
    value = function() { 42 }
  }
}
)krl";

// Replaces the stored source of ruleset `rid` (store stopped).
void break_stored_source(const std::string& data_dir, const std::string& rid,
                         const std::string& source) {
  std::string error;
  auto store = spime::store::Store::open(data_dir, {}, &error);
  INFO(error);
  REQUIRE(store);
  std::string raw;
  REQUIRE(store->get(spime::store::keys::ruleset(rid), &raw));
  spime::runtime::RulesetRecord rec;
  REQUIRE(spime::runtime::decode_record(raw, &rec, &error));
  rec.source = source;
  spime::store::WriteBatch b;
  b.put(spime::store::keys::ruleset(rid), spime::runtime::encode_record(rec));
  REQUIRE(store->write(b, &error));
}

}  // namespace

TEST_CASE("a stored ruleset that no longer compiles: the engine starts and says which",
          "[faults][rulesets]") {
  TempDir krl;
  krl.write("good.krl", kGood);
  krl.write("later.krl", kLater);
  SpimeServer s;
  install_ruleset(s, s.owner_eci(), file_url(krl.path() + "/good.krl"), "faults.good");
  const std::string child = new_child(s, s.owner_eci(), "holder");
  install_ruleset(s, child, file_url(krl.path() + "/later.krl"), "faults.later");
  install_ruleset(s, child, file_url(krl.path() + "/good.krl"), "faults.good");
  s.stop();

  // Line 3, column 5 of the new text is where it stops compiling.
  break_stored_source(s.data_dir(), "faults.later",
                      "ruleset faults.later {\n  meta {\n    shares value value value\n");
  s.start();
  INFO(s.output());
  // Everything else is served: the root, the other ruleset on the same pico.
  CHECK(must_query(s, s.owner_eci(), "faults.good", "hello") == "hello");
  must_event(s, s.owner_eci(), "faults", "ping");
  must_event(s, child, "faults", "ping");
  CHECK(must_query(s, child, "faults.good", "hello") == "hello");
  // The broken one answers a clear error, not a crash or a hang.
  HttpResult q = s.query(child, "faults.later", "value");
  CHECK(q.status >= 400);
  CHECK(q.body.is_object());

  // Reported where an operator looks.
  CHECK_THAT(s.output(), Catch::Matchers::Contains(krl.path() + "/later.krl:3:"));
  HttpResult errors = s.get("/api/ruleset-errors");
  INFO(describe(errors));
  REQUIRE(errors.status == 200);
  REQUIRE(errors.body.at("errors").size() == 1);
  CHECK(errors.body.at("errors")[0].at("rid") == "faults.later");
  CHECK_THAT(errors.body.at("errors")[0].at("error").get<std::string>(),
             Catch::Matchers::Contains("later.krl:3:"));

  // Fixed at its source and flushed: the error goes.
  must_event(s, s.owner_eci(), "faults", "ping");
  HttpResult flushed = s.get("/api/flush?eci=" + s.owner_eci() +
                             "&url=" + url_encode(file_url(krl.path() + "/later.krl")));
  INFO(describe(flushed));
  CHECK(flushed.status == 200);
  CHECK(must_query(s, child, "faults.later", "value") == 42);
  CHECK(s.get("/api/ruleset-errors").body.at("errors").empty());
}
