// channels/mqtt/message_ids.h: a redelivered message keeps its id, a new one
// (even with the same packet id, topic and payload after the packet ids
// wrapped) gets another, across restarts of the bridge.
#include <catch2/catch.hpp>

#include <string>

#include "channels/mqtt/message_ids.h"
#include "tests/temp_dir.h"

using spime::mqtt::MessageIds;
using spime::testing::TempDir;

namespace {

std::uint64_t id(MessageIds& ids, int mid, const std::string& payload = "{}") {
  std::string error;
  std::uint64_t v = ids.id_of(mid, "spime/e/d/t", payload, &error);
  CHECK(error.empty());
  return v;
}

}  // namespace

TEST_CASE("message ids: a redelivery keeps its id, the packet id's next use does not", "[mqtt]") {
  TempDir dir;
  MessageIds ids(dir.path() + "/s.seq", "mqtt://h:1 c");
  std::string error;
  REQUIRE(ids.open(&error));
  CHECK(ids.sender().rfind("mqtt-", 0) == 0);
  CHECK(ids.sender().size() == 21);
  CHECK(ids.sender() == MessageIds::sender_for("mqtt://h:1 c"));
  CHECK(ids.sender() != MessageIds::sender_for("mqtt://h:1 d"));

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
  TempDir dir;
  const std::string path = dir.path() + "/s.seq";
  std::uint64_t before_crash = 0;
  int last_mid = 0;
  {
    MessageIds ids(path, "session");
    std::string error;
    REQUIRE(ids.open(&error));
    // Past two checkpoints, and across a wrap of the packet ids.
    for (int n = 0; n < 3 * static_cast<int>(MessageIds::kCheckpointEvery) + 100; ++n) {
      last_mid = 1 + (60000 + n) % 65535;
      before_crash = id(ids, last_mid);
    }
  }
  MessageIds again(path, "session");
  std::string error;
  REQUIRE(again.open(&error));
  CHECK(id(again, last_mid) == before_crash);  // the broker sends it again after the crash

  // A new session: no redelivery can come, and nothing later equals an earlier id.
  REQUIRE(again.new_session(&error));
  CHECK(id(again, last_mid) != before_crash);
}

TEST_CASE("message ids: a checkpoint that does not parse is an error", "[mqtt]") {
  TempDir dir;
  MessageIds ids(dir.write("s.seq", "not a number\n"), "session");
  std::string error;
  CHECK(!ids.open(&error));
  CHECK(error.find("s.seq") != std::string::npos);
}
