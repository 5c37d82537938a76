// channels/mqtt/message_ids.h: a redelivered message keeps its id, a new one
// (even with the same packet id, topic and payload after the packet ids
// wrapped) gets another, across restarts of the bridge; a checkpoint file of
// an older spime is moved into the checkpoint once and deleted.
//
// The checkpoint here is a map in memory (Saved below): what these tests
// check is the sequence's arithmetic and what it saves when. The engine's
// own checkpoint (EngineSequenceCheckpoint, the store's m/ key) is checked
// against a real engine in tests/runtime/mqtt_sequence_test.cpp and through
// `spime serve --mqtt` in mqtt_sequence_serve_test.cpp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "channels/mqtt/message_ids.h"
#include "tests/temp_dir.h"

using spime::mqtt::MessageIds;
using spime::testing::TempDir;

namespace {

// A durable map, as far as these tests can tell; counts saves and can refuse them.
class Saved final : public spime::mqtt::SequenceCheckpoint {
 public:
  bool load(const std::string& sender, std::uint64_t* value, std::string* error) override {
    error->clear();
    auto it = values.find(sender);
    if (it == values.end()) return false;
    *value = it->second;
    return true;
  }
  bool save(const std::string& sender, std::uint64_t value, std::string* error) override {
    if (refuse) {
      *error = "refused";
      return false;
    }
    ++saves;
    values[sender] = value;
    return true;
  }
  std::map<std::string, std::uint64_t> values;
  int saves = 0;
  bool refuse = false;
};

std::uint64_t id(MessageIds& ids, int mid, const std::string& payload = "{}") {
  std::string error;
  std::uint64_t v = ids.id_of(mid, "spime/e/d/t", payload, &error);
  CHECK(error.empty());
  return v;
}

}  // namespace

TEST_CASE("message ids: a redelivery keeps its id, the packet id's next use does not", "[mqtt]") {
  Saved saved;
  MessageIds ids(saved, "mqtt://h:1 c");
  std::string error;
  REQUIRE(ids.open(&error));
  CHECK(ids.sender().rfind("mqtt-", 0) == 0);
  CHECK(ids.sender().size() == 21);
  CHECK(ids.sender() == MessageIds::sender_for("mqtt://h:1 c"));
  CHECK(ids.sender() != MessageIds::sender_for("mqtt://h:1 d"));
  CHECK(saved.values.count(ids.sender()) == 1);  // a fresh start is saved at once

  const std::uint64_t first = id(ids, 7);
  CHECK(first != 0);
  CHECK(id(ids, 8) != first);
  CHECK(id(ids, 7) == first);               // sent again: the same message
  CHECK(id(ids, 7, "{\"x\":1}") != first);  // another payload: another message
  // A whole cycle of packet ids later, 7 names a new message.
  for (int mid = 9; mid <= 65535; mid += 1000) id(ids, mid);
  id(ids, 65535);
  for (int mid = 1; mid < 7; ++mid) id(ids, mid);
  CHECK(id(ids, 7) != first);
}

TEST_CASE("message ids: a restarted bridge places redeliveries from its checkpoint", "[mqtt]") {
  Saved saved;
  std::uint64_t before_crash = 0;
  int last_mid = 0;
  {
    MessageIds ids(saved, "session");
    std::string error;
    REQUIRE(ids.open(&error));
    // Past two checkpoints, and across a wrap of the packet ids.
    for (int n = 0; n < 3 * static_cast<int>(MessageIds::kCheckpointEvery) + 100; ++n) {
      last_mid = 1 + (60000 + n) % 65535;
      before_crash = id(ids, last_mid);
    }
  }
  CHECK(saved.saves >= 1 + 2);  // the start, then one per kCheckpointEvery messages past it
  MessageIds again(saved, "session");
  std::string error;
  REQUIRE(again.open(&error));
  CHECK(id(again, last_mid) == before_crash);  // the broker sends it again after the crash

  // A new session: no redelivery can come, and nothing later equals an earlier id.
  REQUIRE(again.new_session(&error));
  CHECK(id(again, last_mid) != before_crash);
}

TEST_CASE("message ids: a checkpoint that cannot be saved is reported, ids still given", "[mqtt]") {
  Saved saved;
  MessageIds ids(saved, "session");
  std::string error;
  REQUIRE(ids.open(&error));
  saved.refuse = true;
  std::string why;
  for (int n = 1; n <= 2 * static_cast<int>(MessageIds::kCheckpointEvery) && why.empty(); ++n) {
    CHECK(ids.id_of(n, "t", "p", &why) != 0);
  }
  CHECK_THAT(why, Catch::Contains("refused"));
  CHECK(!ids.new_session(&error));
}

TEST_CASE("message ids: an older spime's checkpoint file is moved in once, then deleted",
          "[mqtt]") {
  TempDir dir;
  const std::string sender = MessageIds::sender_for("session");
  const std::uint64_t old_value = (std::uint64_t{1} << 32) + 123456;
  const std::string file = dir.write(sender + ".seq", std::to_string(old_value) + "\n");
  dir.write(sender + ".seq.tmp", "half-written");
  Saved saved;
  {
    MessageIds ids(saved, "session", dir.path());
    std::string error;
    REQUIRE(ids.open(&error));
    CHECK(ids.sequence() == old_value);
  }
  CHECK(saved.values.at(sender) == old_value);
  CHECK(!std::filesystem::exists(file));
  CHECK(!std::filesystem::exists(file + ".tmp"));

  // From now on the checkpoint counts, whatever file may appear.
  dir.write(sender + ".seq", std::to_string(old_value + 99999) + "\n");
  MessageIds again(saved, "session", dir.path());
  std::string error;
  REQUIRE(again.open(&error));
  CHECK(again.sequence() == old_value);
}

TEST_CASE("message ids: an older checkpoint file that does not parse is an error", "[mqtt]") {
  TempDir dir;
  const std::string sender = MessageIds::sender_for("session");
  dir.write(sender + ".seq", "not a number\n");
  Saved saved;
  MessageIds ids(saved, "session", dir.path());
  std::string error;
  CHECK(!ids.open(&error));
  CHECK_THAT(error, Catch::Contains(sender + ".seq"));
  CHECK(saved.values.empty());
  CHECK(std::filesystem::exists(dir.path() + "/" + sender + ".seq"));  // left for the operator
}
