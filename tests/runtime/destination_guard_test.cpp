// DestinationGuard (engine/runtime/outbound/destination_guard.h): what the
// http module may reach, and how allow-list entries read.
#include <catch2/catch.hpp>

#include "engine/runtime/outbound/destination_guard.h"

using spime::runtime::DestinationGuard;
namespace ip = boost::asio::ip;

namespace {

ip::tcp::endpoint at(const char* address, unsigned short port = 80) {
  return {ip::make_address(address), port};
}

DestinationGuard with(std::vector<std::string> entries,
                      std::optional<ip::tcp::endpoint> own = std::nullopt) {
  std::vector<DestinationGuard::Allow> allow;
  for (const auto& text : entries) {
    DestinationGuard::Allow a;
    std::string error;
    REQUIRE(DestinationGuard::parse_allow(text, &a, &error));
    allow.push_back(a);
  }
  return DestinationGuard(std::move(allow), own);
}

}  // namespace

TEST_CASE("destination guard: loopback, link-local and this host are refused", "[edge]") {
  DestinationGuard g;
  for (const char* a : {"127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1", "169.254.169.254",
                        "fe80::1", "0.0.0.0", "0.1.2.3", "::"}) {
    INFO(a);
    CHECK_THAT(g.check("h", at(a)), Catch::Contains("--http-allow"));
  }
  CHECK_THAT(g.check("h", at("169.254.169.254")), Catch::Contains("link-local"));
  CHECK_THAT(g.check("h", at("::ffff:127.0.0.1")), Catch::Contains("127.0.0.1 is a loopback"));
}

TEST_CASE("destination guard: public and private addresses pass", "[edge]") {
  DestinationGuard g;
  for (const char* a :
       {"93.184.216.34", "10.1.2.3", "172.16.0.1", "192.168.1.10", "fd00::1", "2001:db8::1"}) {
    INFO(a);
    CHECK(g.check("h", at(a)).empty());
  }
}

TEST_CASE("destination guard: the engine's own listening address", "[edge]") {
  // Bound to one address: that address at that port only.
  DestinationGuard one = with({}, at("192.168.1.5", 3000));
  CHECK_THAT(one.check("h", at("192.168.1.5", 3000)), Catch::Contains("own listening address"));
  CHECK(one.check("h", at("192.168.1.5", 3001)).empty());
  CHECK(one.check("h", at("192.168.1.6", 3000)).empty());
  // Bound to a wildcard: loopback at that port is its own too (and refused anyway).
  DestinationGuard any = with({}, at("0.0.0.0", 3000));
  CHECK_THAT(any.check("h", at("127.0.0.1", 3000)), Catch::Contains("own listening address"));
}

TEST_CASE("destination guard: the allow-list overrides", "[edge]") {
  DestinationGuard g = with({"127.0.0.1:8080", "169.254.0.0/16", "[::1]:9000", "devices.lan"});
  CHECK(g.check("h", at("127.0.0.1", 8080)).empty());
  CHECK_FALSE(g.check("h", at("127.0.0.1", 8081)).empty());
  CHECK(g.check("h", at("169.254.1.1", 1)).empty());
  CHECK(g.check("h", at("::1", 9000)).empty());
  CHECK_FALSE(g.check("h", at("::1", 9001)).empty());
  CHECK(g.check("DEVICES.lan", at("127.0.0.1", 1)).empty());  // a name the operator allowed
  CHECK_FALSE(g.check("other.lan", at("127.0.0.1", 1)).empty());
  // Even the engine's own address, when named.
  DestinationGuard own = with({"127.0.0.1"}, at("127.0.0.1", 3000));
  CHECK(own.check("h", at("127.0.0.1", 3000)).empty());
}

TEST_CASE("destination guard: allow-list entries", "[edge]") {
  DestinationGuard::Allow a;
  std::string error;
  for (const char* ok : {"10.0.0.0/8", "::1/128", "127.0.0.1", "127.0.0.1:80", "[::1]:443", "::1",
                         "host.example", "host.example:8080"}) {
    INFO(ok);
    CHECK(DestinationGuard::parse_allow(ok, &a, &error));
  }
  for (const char* bad : {"", "10.0.0.0/33", "::1/129", "x/8", "127.0.0.1:0", "127.0.0.1:99999",
                          "[::1", "[::1]x", "host:", "bad host", "a/b/c"}) {
    INFO(bad);
    CHECK_FALSE(DestinationGuard::parse_allow(bad, &a, &error));
    CHECK_THAT(error, Catch::Contains("--http-allow"));
  }
}
