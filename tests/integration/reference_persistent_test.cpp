// The reference's test of persistent.krl (entity variables are per pico; paths into
// them; clear), over HTTP.
#include <catch2/catch.hpp>

#include "tests/integration/reference_helpers.h"

using namespace spime::integration;
using namespace spime::integration::reference;

TEST_CASE("reference persistent.krl: entity variables per pico", "[reference]") {
  TestEngine e({"persistent.krl"});
  const std::string rid = "io.picolabs.persistent";
  // Two picos with the same ruleset (the reference: rootPico.newPico with the
  // ruleset and an allow-all channel; here children of the root through the
  // wrangler, each with an allow-all channel and the ruleset installed).
  auto make_pico = [&](const std::string& name) {
    std::string family = new_child(e.server, e.server.owner_eci(), name);
    std::string eci = allow_all_channel(e.server, family);
    install_test_file(e.server, eci, "persistent.krl");
    return eci;
  };
  const std::string a = make_pico("A");
  const std::string b = make_pico("B");
  auto signal_a = [&](const std::string& d, const std::string& n,
                      const json& attrs = json::object()) {
    return signal(e.server, a, d, n, attrs);
  };
  auto signal_b = [&](const std::string& d, const std::string& n,
                      const json& attrs = json::object()) {
    return signal(e.server, b, d, n, attrs);
  };
  auto query_a = [&](const std::string& name) { return query(e.server, a, rid, name); };
  auto query_b = [&](const std::string& name) { return query(e.server, b, rid, name); };

  // step 1: if not set, the var is null
  CHECK(query_a("getName").is_null());
  // steps 2-5: each pico keeps its own name
  CHECK(signal_a("store", "name", {{"name", "Alf"}}) ==
        json::array({dir("store_name", {{"name", "Alf"}})}));
  CHECK(signal_b("store", "name", {{"name", "Bob"}}) ==
        json::array({dir("store_name", {{"name", "Bob"}})}));
  CHECK(query_a("getName") == "Alf");
  CHECK(query_b("getName") == "Bob");
  // steps 6-8: a path into a map entity variable
  CHECK(signal_a("store", "user_firstname", {{"firstname", "Leonard"}}) ==
        json::array({dir("store_user_firstname", {{"name", "Leonard"}})}));
  CHECK(query_a("getUser") == json{{"firstname", "Leonard"}, {"lastname", "McCoy"}});
  CHECK(query_a("getUserFirstname") == "Leonard");
  // steps 9-10: what each pico stores. The reference lists the database's
  // entity variables of the ruleset (A: name, user; B: name). Not
  // expressible over HTTP: read through the ruleset's queries instead.
  CHECK(query_a("getName") == "Alf");
  CHECK(query_a("getUser") == json{{"lastname", "McCoy"}, {"firstname", "Leonard"}});
  CHECK(query_b("getName") == "Bob");
  CHECK(query_b("getUser").is_null());
  // step 11: clear ent:user
  CHECK(signal_a("store", "clear_user") == json::array({dir("clear_user")}));
  // steps 12-13: A keeps only its name, B is untouched (through the queries,
  // as steps 9-10)
  CHECK(query_a("getName") == "Alf");
  CHECK(query_a("getUser").is_null());
  CHECK(query_a("getUserFirstname").is_null());
  CHECK(query_b("getName") == "Bob");
  CHECK(query_b("getUser").is_null());
}
