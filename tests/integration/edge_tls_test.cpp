// `spime serve --tls-cert/--tls-key` (issue 21 §5): everything over https,
// streams included, verified by the tools' client against the test CA;
// refused when the client does not trust the CA or speaks plain HTTP; and a
// certificate/key pair that does not match stops the server at start.
// Certificates are made at run time (test_certs.h, the openssl command line).
#include <catch2/catch.hpp>

#include "channels/client/event_stream.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/integration/test_certs.h"

using namespace spime::integration;
using namespace std::chrono_literals;

namespace {

ServerOptions tls_options(const TestCerts& certs) {
  ServerOptions o;
  o.tls_cert = certs.cert();
  o.tls_key = certs.key();
  o.cafile = certs.ca();
  return o;
}

}  // namespace

TEST_CASE("tls: the sky API over https", "[edge]") {
  TestCerts certs;
  SpimeServer server(tls_options(certs));
  CHECK(server.url().rfind("https://127.0.0.1:", 0) == 0);
  HttpResult ui = server.get("/api/ui-context");
  INFO(describe(ui));
  REQUIRE(ui.status == 200);
  CHECK(ui.body.at("eci").is_string());
  // Events, queries and a child pico, as over http.
  const std::string child = new_child(server, server.owner_eci(), "over-tls");
  CHECK(!child.empty());
  CHECK(contains(installed_rids(server, child), kWrangler));
  // The dashboard's page too.
  HttpResult page = server.get("/");
  CHECK(page.status == 200);
  CHECK_THAT(page.header("Content-Type"), Catch::Contains("text/html"));
}

TEST_CASE("tls: an event stream over https", "[edge]") {
  TestCerts certs;
  SpimeServer server(tls_options(certs));
  const std::string child = new_child(server, server.owner_eci(), "streamed");
  spime::client::EventStream stream(server.client_url(), server.client_options());
  REQUIRE(stream.open("/c/" + url_encode(child) + "/stream?domain=edge") == "");
  must_event(server, child, "edge", "ping", {{"n", 1}});
  std::optional<spime::client::SseEvent> ev;
  for (int i = 0; i < 100 && !ev; ++i) ev = stream.next(100ms);
  REQUIRE(ev);
  CHECK_THAT(ev->data, Catch::Contains("ping"));
}

TEST_CASE("tls: a client that does not trust the CA, or speaks http, gets nothing", "[edge]") {
  TestCerts certs;
  SpimeServer server(tls_options(certs));
  spime::client::Options untrusting = server.client_options();
  untrusting.cafile = certs.wrong_ca();
  HttpResult refused = http_exchange(server.client_url(), untrusting, "GET", "/api/ui-context");
  CHECK(refused.status == 0);
  CHECK_THAT(refused.error, Catch::Contains("TLS handshake"));
  // Plain HTTP to the TLS port: no HTTP answer comes back.
  HttpResult plain = http_request(server.port(), "GET", "/api/ui-context", "", "", 3s);
  CHECK(plain.status == 0);
  // The server goes on serving.
  CHECK(server.get("/api/ui-context").status == 200);
}

TEST_CASE("tls: a key that does not match the certificate stops the start", "[edge]") {
  TestCerts certs;
  ServerOptions o = tls_options(certs);
  o.tls_key = certs.other_key();
  CHECK_THROWS_WITH(SpimeServer(o), Catch::Contains("does not match the certificate"));
  ServerOptions missing = tls_options(certs);
  missing.tls_cert = certs.dir() + "/nothing.pem";
  CHECK_THROWS_WITH(SpimeServer(missing), Catch::Contains("--tls-cert"));
}
