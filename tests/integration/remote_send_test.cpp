// event:send with a host: the event leaves the sending engine after its
// schedule commits and reaches a pico of another `spime serve` over HTTP
// (the reference's POST to <host>/c/<eci>/event/<domain>/<name>).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kSender = R"krl(
ruleset it.sender {
  rule forward {
    select when remote forward
    event:send({"eci": event:attr("eci"), "domain": "remote", "name": "arrived",
                "attrs": {"n": event:attr("n"), "text": "a/b c"}},
               event:attr("host"))
  }
}
)krl";

const char* kReceiver = R"krl(
ruleset it.receiver {
  meta { shares got }
  global { got = function() { ent:got.defaultsTo([]) } }
  rule arrived {
    select when remote arrived
    always { ent:got := got().append(event:attrs) }
  }
}
)krl";

json wait_for_got(const SpimeServer& s, const std::string& eci, size_t n) {
  json got;
  eventually(
      [&] {
        got = must_query(s, eci, "it.receiver", "got");
        return got.size() >= n;
      },
      std::chrono::seconds(10));
  return got;
}

}  // namespace

TEST_CASE("event:send with a host reaches a pico of another engine", "[integration]") {
  TempDir krl;
  SpimeServer a, b;
  std::string sender = new_child(a, a.owner_eci(), "sender");
  install_ruleset(a, sender, file_url(krl.write("it.sender.krl", kSender)), "it.sender");
  std::string receiver = new_child(b, b.owner_eci(), "receiver");
  install_ruleset(b, receiver, file_url(krl.write("it.receiver.krl", kReceiver)), "it.receiver");

  std::string host = b.url();
  must_event(a, sender, "remote", "forward", {{"eci", receiver}, {"n", 1}, {"host", host}});
  must_event(a, sender, "remote", "forward", {{"eci", receiver}, {"n", 2}, {"host", host}});
  json got = wait_for_got(b, receiver, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].at("n") == 1);
  CHECK(got[1].at("n") == 2);
  CHECK(got[0].at("text") == "a/b c");

  // An engine that is not there: the sender's event still succeeds (fire and
  // forget, as the reference) and the failure is logged, the ECI shortened.
  b.stop();
  must_event(a, sender, "remote", "forward", {{"eci", receiver}, {"n", 3}, {"host", host}});
  const std::string shown = "/c/" + receiver.substr(0, 6) + "\u2026/event/remote/arrived";
  eventually([&] { return a.output().find(shown) != std::string::npos; }, std::chrono::seconds(10));
  CHECK_THAT(a.output(), Catch::Contains(shown));
  CHECK_THAT(a.output(), !Catch::Contains(receiver));
}
