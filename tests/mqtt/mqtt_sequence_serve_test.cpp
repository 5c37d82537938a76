// `spime serve --mqtt` keeps the bridge's sequence checkpoints in its store
// (channels/mqtt/message_ids.h, EngineApi::mqtt_sequence), not in files of
// the data directory, so an online backup carries them: a checkpoint file an
// older spime left (<data>/<sender>.seq) is taken in at start and deleted,
// none is written again, and the bridge works across a restart.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "channels/mqtt/message_ids.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"
#include "tests/mqtt/mqtt_broker.h"

using namespace spime::integration;

namespace {

const char* kCount = R"krl(
ruleset it.mqtt.seq {
  meta {
    shares total
  }
  global {
    total = function() { ent:total.defaultsTo(0) }
  }
  rule count {
    select when it n
    fired {
      ent:total := ent:total.defaultsTo(0) + 1
    }
  }
}
)krl";

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The .seq files in `dir`.
std::vector<std::string> seq_files(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".seq") != std::string::npos) found.push_back(name);
  }
  return found;
}

}  // namespace

TEST_CASE("mqtt: the sequence checkpoints live in the store, old files are taken in once",
          "[integration][mqtt]") {
  TempDir state, krl;
  MosquittoBroker broker;
  const std::string data = state.path() + "/data";
  std::filesystem::create_directories(data);
  // What an older spime left for its first session.
  const std::string first_session = broker.url() + " it-seq-1";
  const std::string old_file =
      data + "/" + spime::mqtt::MessageIds::sender_for(first_session) + ".seq";
  std::ofstream(old_file) << ((std::uint64_t{1} << 32) + 777) << "\n";
  REQUIRE(std::filesystem::exists(old_file));

  ServerOptions options;
  options.extra_args = {"--data",           data,     "--mqtt",          broker.url(),
                        "--mqtt-client-id", "it-seq", "--mqtt-sessions", "2"};
  SpimeServer s(options);
  auto connected = [&](std::size_t times) {  // both sessions, `times` times
    INFO(s.output());
    REQUIRE(eventually([&] { return count_of(s.output(), "mqtt: connected to") >= 2 * times; },
                       std::chrono::seconds(20)));
  };
  connected(1);
  CHECK(!std::filesystem::exists(old_file));
  CHECK(seq_files(data).empty());

  const std::string eci = new_child(s, s.owner_eci(), "counter");
  install_ruleset(s, eci, file_url(krl.write("it.mqtt.seq.krl", kCount)), "it.mqtt.seq");
  auto publish = [&](int n) {
    RunResult r = run_command(
        {"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-q", "1", "-t",
         "spime/" + eci + "/it/n", "-m", "{\"n\":" + std::to_string(n) + "}"});
    INFO(r.output);
    REQUIRE(r.ok());
  };
  for (int n = 0; n < 5; ++n) publish(n);
  REQUIRE(eventually([&] { return must_query(s, eci, "it.mqtt.seq", "total") == 5; },
                     std::chrono::seconds(20)));

  s.restart();
  connected(1);  // the output starts again with the process
  for (int n = 5; n < 10; ++n) publish(n);
  REQUIRE(eventually([&] { return must_query(s, eci, "it.mqtt.seq", "total") == 10; },
                     std::chrono::seconds(20)));
  CHECK(seq_files(data).empty());
}
