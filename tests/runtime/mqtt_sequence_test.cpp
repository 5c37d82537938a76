// The MQTT bridge's sequence checkpoints in the engine's store
// (runtime/records/mqtt_sequence_records.h, EngineApi::mqtt_sequence), on a
// real Engine: saved durably, read back, kept across a restart, carried by
// an online backup (EngineApi::backup). The bridge reads and saves them
// through EngineSequenceCheckpoint (channels/mqtt/message_ids.h), which the
// tests of tests/mqtt/ run against `spime serve --mqtt`.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "engine/runtime/engine.h"
#include "tests/runtime/engine_calls.h"
#include "tests/temp_dir.h"

namespace fs = std::filesystem;
using spime::api::BackupRequest;
using spime::api::BackupResult;
using spime::api::Result;
using spime::api::Status;
using spime::runtime::Engine;
using spime::runtime::EngineOptions;
using spime::runtime::testing::await;
using spime::testing::TempDir;

namespace {

std::unique_ptr<Engine> open_engine(const std::string& data) {
  EngineOptions options;
  options.data_dir = data;
  std::string err;
  auto engine = Engine::open(options, &err);
  INFO(err);
  REQUIRE(engine);
  return engine;
}

Result<std::uint64_t> read(Engine& e, const std::string& sender) {
  return await<std::uint64_t>([&](auto done) { e.mqtt_sequence(sender, done); });
}

}  // namespace

TEST_CASE("mqtt sequences: saved in the store, kept across a restart and in a backup",
          "[runtime][engine]") {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::uint64_t value = (std::uint64_t{1} << 32) + 4242;
  {
    auto engine = open_engine(data);
    Result<std::uint64_t> none = read(*engine, "mqtt-0123456789abcdef");
    REQUIRE(!none.ok());
    CHECK(none.status().code() == Status::Code::kNotFound);

    auto saved = await<std::uint64_t>(
        [&](auto done) { engine->save_mqtt_sequence("mqtt-0123456789abcdef", value, done); });
    REQUIRE(saved.ok());
    CHECK(saved.value() == value);
    Result<std::uint64_t> back = read(*engine, "mqtt-0123456789abcdef");
    REQUIRE(back.ok());
    CHECK(back.value() == value);
    CHECK(!read(*engine, "mqtt-fedcba9876543210").ok());  // one value per sender

    auto other = await<std::uint64_t>(
        [&](auto done) { engine->save_mqtt_sequence("mqtt-none", value + 1, done); });
    REQUIRE(other.ok());

    auto made = await<BackupResult>(
        [&](auto done) { engine->backup(BackupRequest{dir.path() + "/copy"}, done); });
    INFO((made.ok() ? "" : made.status().to_string()));
    REQUIRE(made.ok());
    CHECK(made.value().dir == dir.path() + "/copy");
    CHECK(made.value().sequence > 0);

    // The engine's refusals, as the HTTP layer maps them.
    auto exists = await<BackupResult>(
        [&](auto done) { engine->backup(BackupRequest{dir.path() + "/copy"}, done); });
    REQUIRE(!exists.ok());
    CHECK(exists.status().code() == Status::Code::kConflict);
    auto relative =
        await<BackupResult>([&](auto done) { engine->backup(BackupRequest{"copy2"}, done); });
    REQUIRE(!relative.ok());
    CHECK(relative.status().code() == Status::Code::kInvalidArgument);
  }
  {
    auto restarted = open_engine(data);
    Result<std::uint64_t> back = read(*restarted, "mqtt-0123456789abcdef");
    REQUIRE(back.ok());
    CHECK(back.value() == value);
  }
  {
    auto from_copy = open_engine(dir.path() + "/copy");
    Result<std::uint64_t> back = read(*from_copy, "mqtt-0123456789abcdef");
    REQUIRE(back.ok());
    CHECK(back.value() == value);
    back = read(*from_copy, "mqtt-none");
    REQUIRE(back.ok());
    CHECK(back.value() == value + 1);
  }
  CHECK(fs::exists(data));
}
