// The router's maps (engine/cluster/route_sync.h) against real etcd and a
// real HAProxy of the test's own (Debian's haproxy, the routing part of
// docs/cluster.md's configuration, free loopback ports), with two stand-in
// engines that answer their own name: slotted, legacy and overridden ECIs
// reach the engine etcd says, a flipped slot follows within the watch, and
// a node that leaves gets its slots answered 503 by the router.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "engine/cluster/etcd_client.h"
#include "engine/cluster/haproxy_runtime.h"
#include "engine/cluster/membership.h"
#include "engine/cluster/route_sync.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/cluster/router.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using spime::api::Status;
using spime::cluster::EtcdClient;
using spime::cluster::HaproxyRuntime;
using spime::cluster::Membership;
using spime::cluster::MembershipOptions;
using spime::cluster::RouteMaps;
using spime::cluster::RouteSyncOptions;
using spime::integration::EtcdCluster;
using spime::integration::eventually;
using spime::integration::free_loopback_port;
using spime::integration::HttpResult;
using spime::integration::Router;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

// A stand-in engine: answers every request with its name, one request per
// connection. Polls its stop flag every 50 ms.
class StandIn {
 public:
  explicit StandIn(std::string name)
      : name_(std::move(name)), acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
    acceptor_.non_blocking(true);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        net::ip::tcp::socket s(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec) {
          std::this_thread::sleep_for(50ms);
          continue;
        }
        s.non_blocking(false);
        std::string request;
        net::read_until(s, net::dynamic_buffer(request), "\r\n\r\n", ec);
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(name_.size()) +
            "\r\nConnection: close\r\n\r\n" + name_;
        net::write(s, net::buffer(answer), ec);
      }
    });
  }
  ~StandIn() {
    stop_.store(true);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string name_;
  net::io_context ioc_;
  net::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// What `router` answers for /sky/event/<eci>/...: the engine's name, or
// "503" when it refuses.
std::string who_serves(const Router& router, const std::string& eci) {
  HttpResult r = spime::integration::http_request(router.port(), "POST",
                                                  "/sky/event/" + eci + "/none/d/t", "{}");
  if (r.status == 503) return r.header("Retry-After") == "1" ? "503" : "503 without Retry-After";
  return r.status == 200 ? r.text : "status " + std::to_string(r.status);
}

std::unique_ptr<Membership> join(const EtcdCluster& etcd, const std::string& name,
                                 const std::string& url) {
  MembershipOptions o;
  o.etcd = etcd.urls();
  o.cluster = "r";
  o.node = name;
  o.advertise = url;
  o.lease_ttl = 5s;
  std::unique_ptr<Membership> m;
  const Status s = Membership::start(std::move(o), &m);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  return m;
}

const std::string kSlotted3a7 = "3a7AAAAAAAAAAAAAAAAAAAAAA";
const std::string kSlotted0ff = "0ffBBBBBBBBBBBBBBBBBBBBBB";
const std::string kLegacy = "legacyLegacyLegacyLegacy";  // 24 characters: no slot

}  // namespace

TEST_CASE("route maps: live owners' addresses, nothing for the others", "[cluster][route]") {
  CHECK(spime::cluster::route_address("http://127.0.0.1:3001") == "127.0.0.1:3001");
  CHECK(spime::cluster::route_address("http://engine-a:80/base") == "engine-a:80");
  CHECK(spime::cluster::route_address("https://127.0.0.1:3001").empty());
  CHECK(spime::cluster::route_address("http://[::1]:3001").empty());
  const std::string p = "/spime/r/";
  std::vector<spime::cluster::KeyValue> keys{{p + "nodes/a", "http://127.0.0.1:1"},
                                             {p + "slots/000", "a"},
                                             {p + "slots/001", "gone"},
                                             {p + "slots/xyz", "a"},
                                             {p + "overrides/" + kLegacy, "000"},
                                             {p + "overrides/x", "001"},
                                             {"/spime/other/slots/002", "a"}};
  const RouteMaps maps = spime::cluster::route_maps(keys, p);
  CHECK(maps.slots == std::map<std::string, std::string>{{"000", "127.0.0.1:1"}});
  CHECK(maps.overrides == std::map<std::string, std::string>{{kLegacy, "127.0.0.1:1"}});
}

TEST_CASE("route-sync: the router sends each ECI to the engine etcd names", "[cluster][route]") {
  EtcdCluster etcd(1);
  StandIn engine_a("a"), engine_b("b");
  auto a = join(etcd, "a", engine_a.url());
  auto b = join(etcd, "b", engine_b.url());
  Router router;
  const RouteSyncOptions options = router.sync_options(etcd, "r");

  std::int64_t revision = 0;
  RouteMaps maps;
  const Status s = spime::cluster::sync_once(options, &revision, &maps);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  CHECK(maps.slots.size() == spime::cluster::kSlotCount);
  CHECK(who_serves(router, kSlotted3a7) == "a");
  CHECK(who_serves(router, kLegacy) == "a");  // legacy: slot 000's owner

  std::atomic<bool> stop{false};
  std::thread loop(
      [&] { spime::cluster::run_route_sync(options, stop, [](const std::string&) {}); });
  EtcdClient raw(etcd.urls());
  REQUIRE(raw.put("/spime/r/slots/3a7", "b").is_ok());  // a move's flip
  CHECK(eventually([&] { return who_serves(router, kSlotted3a7) == "b"; }, 10s));
  CHECK(who_serves(router, kSlotted0ff) == "a");
  REQUIRE(raw.put("/spime/r/overrides/" + kLegacy, "3a7").is_ok());
  CHECK(eventually([&] { return who_serves(router, kLegacy) == "b"; }, 10s));

  // b leaves: its lease goes, the router answers 503 for its slot.
  b->stop();
  CHECK(eventually([&] { return who_serves(router, kSlotted3a7) == "503"; }, 10s));
  CHECK(who_serves(router, kSlotted0ff) == "a");
  stop.store(true);
  loop.join();

  // The map's file is current too (a restarted HAProxy starts from it).
  std::ifstream file(router.slots_map());
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(text.find("3a7 ") == std::string::npos);
  CHECK(text.find("0ff 127.0.0.1:") != std::string::npos);
}

TEST_CASE("route-sync: an unreachable HAProxy or unknown map is an error, nothing half done",
          "[cluster][route]") {
  HaproxyRuntime nowhere("127.0.0.1", free_loopback_port(), 500ms);
  std::string answer;
  CHECK(nowhere.command("show info", &answer).code() == Status::Code::kUnavailable);
  std::string host;
  unsigned short port = 0;
  std::string error;
  CHECK_FALSE(HaproxyRuntime::parse_address("localhost:1", &host, &port, &error));
  CHECK_FALSE(HaproxyRuntime::parse_address("127.0.0.1:0", &host, &port, &error));
  CHECK(HaproxyRuntime::parse_address("127.0.0.1:9999", &host, &port, &error));

  Router router;
  RouteSyncOptions o;
  EtcdCluster etcd(1);
  o = router.sync_options(etcd, "r");
  HaproxyRuntime runtime(o.haproxy_host, o.haproxy_port, 2s);
  const Status s = runtime.replace_map("/no/such.map", {{"000", "127.0.0.1:1"}});
  CHECK(s.code() == Status::Code::kInvalidArgument);
  std::map<std::string, std::string> entries;
  REQUIRE(runtime.show_map(o.slots_map, &entries).is_ok());
  CHECK(entries.empty());
}
