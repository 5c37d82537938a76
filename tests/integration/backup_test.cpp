// Online backups (POST /api/backup, EngineApi::backup): taken under load from
// concurrent clients, the copy holds every event acknowledged before the
// backup was asked for; `spime serve --data COPY` serves the same picos
// (same owner ECI, same state, queries and events answered); the engine
// answers every request while the copy is made; bad requests get 4xx JSON.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

using namespace spime::integration;

namespace {

const char* kLog = R"krl(
ruleset it.backup.log {
  meta {
    shares log
  }
  global {
    log = function() { ent:log.defaultsTo([]) }
  }
  rule append {
    select when log append
    fired {
      ent:log := log().append(event:attr("n"))
    }
  }
}
)krl";

HttpResult backup(const SpimeServer& s, const json& body) {
  return s.post_json("/api/backup", body);
}

}  // namespace

TEST_CASE("backup under load: every acknowledged event is in the copy, which serves",
          "[integration]") {
  TempDir krl, backups;
  SpimeServer server;
  const std::string url = file_url(krl.write("it.backup.log.krl", kLog));
  constexpr int kClients = 4;
  constexpr int kMaxEvents = 5000;  // per client: the load is bounded
  std::vector<std::string> picos;
  for (int c = 0; c < kClients; ++c) {
    picos.push_back(new_child(server, server.owner_eci(), "log" + std::to_string(c)));
    install_ruleset(server, picos.back(), url, "it.backup.log");
  }

  std::mutex mu;
  std::vector<int> acked(kClients, 0);  // client c: events 0..acked[c]-1 answered 200
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::string> failure_text(kClients);
  const unsigned short port = server.port();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int n = 0; n < kMaxEvents && !stop.load(); ++n) {
        HttpResult r = http_request(port, "POST", "/sky/event/" + picos[c] + "/none/log/append",
                                    json{{"n", n}}.dump(), "application/json");
        if (r.status != 200) {
          ++failures;
          failure_text[c] = describe(r);
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        acked[c] = n + 1;
      }
    });
  }
  auto each_at_least = [&](int count) {
    std::lock_guard<std::mutex> lock(mu);
    for (int a : acked)
      if (a < count) return false;
    return true;
  };
  REQUIRE(eventually([&] { return each_at_least(100); }, std::chrono::seconds(60)));

  std::vector<int> before;
  {
    std::lock_guard<std::mutex> lock(mu);
    before = acked;
  }
  const std::string copy = backups.path() + "/copy";
  HttpResult made = backup(server, {{"dir", copy}});
  // The engine kept answering while the copy was made: the clients go on.
  std::vector<int> right_after;
  {
    std::lock_guard<std::mutex> lock(mu);
    right_after = acked;
  }
  REQUIRE(eventually(
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        for (int c = 0; c < kClients; ++c)
          if (acked[c] < right_after[c] + 10 && acked[c] < kMaxEvents) return false;
        return true;
      },
      std::chrono::seconds(30)));
  stop = true;
  for (std::thread& t : clients) t.join();
  INFO(failure_text[0] << failure_text[1] << failure_text[2] << failure_text[3]);
  CHECK(failures.load() == 0);

  INFO(describe(made));
  REQUIRE(made.status == 200);
  CHECK(made.body.at("dir") == copy);
  CHECK(made.body.at("sequence").get<double>() > 0);
  CHECK(made.body.at("ms").get<double>() >= 0);

  // The copy, served by another engine while the first one still runs.
  ServerOptions on_copy;
  on_copy.extra_args = {"--data", copy};  // after the fixture's own --data: the last one counts
  SpimeServer restored(on_copy);
  CHECK(restored.owner_eci() == server.owner_eci());
  for (int c = 0; c < kClients; ++c) {
    std::vector<int> kept =
        must_query(restored, picos[c], "it.backup.log", "log").get<std::vector<int>>();
    INFO("client " << c << ": " << before[c] << " acknowledged before the backup, " << kept.size()
                   << " in the copy, " << acked[c] << " in all");
    // In order, without holes, every acknowledged one, none never sent.
    REQUIRE(kept.size() >= static_cast<size_t>(before[c]));
    CHECK(kept.size() <= static_cast<size_t>(acked[c]) + 1);
    for (size_t i = 0; i < kept.size(); ++i) CHECK(kept[i] == static_cast<int>(i));
  }
  // The same picos: the tree, and a pico that takes events.
  CHECK(must_query(restored, server.owner_eci(), kWrangler, "children") ==
        must_query(server, server.owner_eci(), kWrangler, "children"));
  must_event(restored, picos[0], "log", "append", {{"n", -1}});
  CHECK(must_query(restored, picos[0], "it.backup.log", "log").back() == -1);
}

TEST_CASE("backup: bad requests are refused with JSON and leave nothing behind", "[integration]") {
  TempDir backups;
  SpimeServer server;
  std::filesystem::create_directories(backups.path() + "/taken");

  struct Case {
    json body;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {json::object(), 400, "Expected `dir`"},
      {{{"dir", 7}}, 400, "Expected `dir`"},
      {{{"dir", "relative/copy"}}, 400, "absolute"},
      {{{"dir", backups.path() + "/missing/copy"}}, 400, "does not exist"},
      {{{"dir", server.data_dir() + "/copy"}}, 400, "inside the data directory"},
      {{{"dir", backups.path() + "/taken"}}, 409, "already exists"},
  };
  for (const Case& c : cases) {
    HttpResult r = backup(server, c.body);
    INFO(c.body.dump() << " -> " << describe(r));
    CHECK(r.status == c.status);
    REQUIRE(r.body.is_object());
    CHECK_THAT(r.body.value("error", ""), Catch::Contains(c.says));
  }
  CHECK(server.get("/api/backup").status == 404);  // POST only
  CHECK(!std::filesystem::exists(backups.path() + "/missing"));
  CHECK(!std::filesystem::exists(server.data_dir() + "/copy"));
  CHECK(std::filesystem::is_empty(backups.path() + "/taken"));

  // A good one after them works, once.
  const std::string copy = backups.path() + "/copy";
  CHECK(backup(server, {{"dir", copy}}).status == 200);
  CHECK(backup(server, {{"dir", copy}}).status == 409);
}
