// `spime serve --cluster-etcd`: real engines joining a cluster kept in a
// real etcd of the test's own, GET /api/cluster and `spime cluster status`
// (cli/serve_cluster.h, cli/cluster_commands.h), and the refusals.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/cli/run_spime.h"
#include "tests/cluster/etcd_cluster.h"
#include "tests/integration/server_fixture.h"

using spime::cli_test::describe;
using spime::cli_test::run_spime;
using spime::integration::EtcdCluster;
using spime::integration::json;
using spime::integration::ServerOptions;
using spime::integration::SpimeServer;
using spime::integration::TempDir;

namespace {

ServerOptions node(const EtcdCluster& etcd, const std::string& name) {
  ServerOptions o;
  o.extra_args = {
      "--cluster-etcd", etcd.endpoints(), "--cluster", "t", "--node", name, "--lease-ttl", "3"};
  return o;
}

// The node called `name` in a GET /api/cluster answer; null when absent.
json node_entry(const json& status, const std::string& name) {
  for (const json& n : status.at("nodes")) {
    if (n.at("name") == name) return n;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("serve: engines join a cluster and say so on /api/cluster", "[cluster][serve]") {
  EtcdCluster etcd(1);
  SpimeServer a(node(etcd, "a"));
  auto r = a.get("/api/cluster");
  REQUIRE(r.status == 200);
  CHECK(r.body.at("cluster") == "t");
  CHECK(r.body.at("node") == "a");
  CHECK(r.body.at("advertise") == a.url());
  CHECK(r.body.at("fence") == "open");
  CHECK(r.body.at("slots") == 4096);
  CHECK(node_entry(r.body, "a") ==
        json{{"name", "a"}, {"url", a.url()}, {"live", true}, {"slots", 4096}});

  SpimeServer b(node(etcd, "b"));
  r = b.get("/api/cluster");
  REQUIRE(r.status == 200);
  CHECK(r.body.at("slots") == 0);
  CHECK(node_entry(r.body, "a").at("slots") == 4096);
  CHECK(node_entry(r.body, "b").at("url") == b.url());

  // The command line, against either engine.
  auto run = run_spime({"cluster", "status", "--url", a.url()});
  INFO(describe({"cluster", "status"}, run));
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("NODE  LIVE  SLOTS  URL"));
  CHECK_THAT(run.out, Catch::Contains("a     yes   4096   " + a.url()));
  CHECK_THAT(run.out, Catch::Contains("fence"));
  run = run_spime({"cluster", "status", "--json", "--url", b.url()});
  REQUIRE(run.exit_code == 0);
  CHECK(json::parse(run.out).at("node") == "b");

  // a leaves: its lease goes with it, its slots keep their owner.
  REQUIRE(a.stop() == 0);
  bool gone = false;
  for (int i = 0; i < 40 && !gone; ++i) {  // at most 4 s
    r = b.get("/api/cluster");
    gone = r.status == 200 && node_entry(r.body, "a").at("live") == false;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(gone);
  CHECK(node_entry(r.body, "a").at("slots") == 4096);
}

TEST_CASE("serve: an engine outside a cluster answers 404 on /api/cluster", "[cluster][serve]") {
  SpimeServer plain;
  auto r = plain.get("/api/cluster");
  CHECK(r.status == 404);
  CHECK_THAT(r.body.at("error").get<std::string>(), Catch::Contains("not in a cluster"));
  auto run = run_spime({"cluster", "status", "--url", plain.url()});
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("not in a cluster"));
}

TEST_CASE("serve: a slot move's steps: bad requests refused, and none outside a cluster",
          "[cluster][serve]") {
  SpimeServer plain;
  auto post = [&](const std::string& target, const std::string& body = "") {
    return spime::integration::http_request(plain.port(), "POST", target, body,
                                            "application/x-spime-slot");
  };
  CHECK(post("/api/cluster/slots/3A7/export").status == 400);  // upper-case
  CHECK(post("/api/cluster/slots/1000/export").status == 400);
  auto step = post("/api/cluster/slots/3a7/move");
  CHECK(step.status == 404);
  CHECK_THAT(step.text, Catch::Contains("export, import, release, unseal"));
  for (const char* s : {"export", "import", "release", "unseal"}) {
    auto r = post(std::string("/api/cluster/slots/3a7/") + s);
    INFO(s << ": " << r.text);
    CHECK(r.status == 503);
    CHECK_THAT(r.text, Catch::Contains("not a cluster node"));
  }
  // A pico's steps: the same.
  CHECK(post("/api/cluster/picos/p1/export?slot=3A7").status == 400);
  step = post("/api/cluster/picos/p1/move");
  CHECK(step.status == 404);
  CHECK_THAT(step.text, Catch::Contains("locate, export, import, release, unseal"));
  for (const char* s : {"locate", "export?slot=3a7", "import?slot=3a7", "release", "unseal"}) {
    auto r = post(std::string("/api/cluster/picos/p1/") + s);
    INFO(s << ": " << r.text);
    CHECK(r.status == 503);
    CHECK_THAT(r.text, Catch::Contains("not a cluster node"));
  }
  CHECK(post("/api/cluster/picos/p1/import?slot=3a7", std::string(3u << 20, 'x')).status == 413);
  // A slot's records may be larger than any event (the 1 MiB limit of the
  // other routes) on a cluster node only (test (c) moves 1 MB and more).
  CHECK(post("/api/cluster/slots/3a7/import", std::string(3u << 20, 'x')).status == 413);
  CHECK(spime::integration::http_request(plain.port(), "POST", "/api/backup",
                                         std::string(3u << 20, 'x'), "application/x-spime-slot")
            .status == 413);
  auto move = run_spime({"cluster", "move", "3A7", "--to", "b", "--etcd", "http://127.0.0.1:1"});
  CHECK(move.exit_code == 2);
  move = run_spime({"cluster", "move", "3a7", "--to", "b", "--etcd", "http://127.0.0.1:1"});
  CHECK(move.exit_code == 3);  // no etcd member answers
  move = run_spime({"cluster", "move-pico", "p1", "--to", "b", "--etcd", "http://127.0.0.1:1"});
  CHECK(move.exit_code == 3);
  move = run_spime({"cluster", "move-pico", "p1", "--etcd", "http://127.0.0.1:1"});
  CHECK(move.exit_code == 2);  // --to is required
}

TEST_CASE("serve: a cluster that cannot be joined is refused at start", "[cluster][serve]") {
  EtcdCluster etcd(1);
  SpimeServer a(node(etcd, "a"));
  TempDir dir;
  // The name is taken by a live node.
  auto run = run_spime({"serve", "--port", "0", "--data", dir.path() + "/d1", "--cluster-etcd",
                        etcd.endpoints(), "--cluster", "t", "--node", "a"},
                       {}, std::chrono::seconds(30));
  INFO(describe({"serve", "--node", "a"}, run));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("cannot join the cluster"));
  CHECK_THAT(run.err, Catch::Contains("in use"));
  // No etcd there.
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(spime::integration::free_loopback_port());
  run = run_spime({"serve", "--port", "0", "--data", dir.path() + "/d2", "--cluster-etcd", nowhere},
                  {}, std::chrono::seconds(30));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("cannot join the cluster"));
  // Bad flags are usage errors.
  run = run_spime({"serve", "--cluster-etcd", "127.0.0.1:2379"});
  CHECK(run.exit_code == 2);
  run = run_spime({"serve", "--cluster-etcd", nowhere, "--node", "a/b"});
  CHECK(run.exit_code == 2);
  run = run_spime({"serve", "--cluster-etcd", nowhere, "--lease-ttl", "1"});
  CHECK(run.exit_code == 2);
}

TEST_CASE("cluster route-sync: usage errors, and an etcd that is not there", "[cluster][serve]") {
  TempDir dir;
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(spime::integration::free_loopback_port());
  const std::vector<std::string> maps{"--slots-map", dir.path() + "/s.map", "--overrides-map",
                                      dir.path() + "/o.map"};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"cluster", "route-sync"});
    args.insert(args.end(), maps.begin(), maps.end());
    return args;
  };
  auto run = run_spime(with({"--etcd", "127.0.0.1:2379", "--haproxy", "127.0.0.1:1", "--once"}));
  CHECK(run.exit_code == 2);
  run = run_spime(with({"--etcd", nowhere, "--haproxy", "localhost:1", "--once"}));
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.err, Catch::Contains("IPV4:PORT"));
  run = run_spime({"cluster", "route-sync", "--etcd", nowhere, "--haproxy", "127.0.0.1:1"});
  CHECK(run.exit_code == 2);  // the maps are required
  run = run_spime(with({"--etcd", nowhere, "--haproxy", "127.0.0.1:1", "--once"}), {},
                  std::chrono::seconds(30));
  INFO(describe({"cluster", "route-sync", "--once"}, run));
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.err, Catch::Contains("etcd at " + nowhere));
}
