// A collection's stream (GET /c/<collection eci>/stream) on a real `spime
// serve` carries, besides the collection's own events (violations, battery,
// presence, each with its id), the readings of its members on this engine as
// they commit on the members' picos: data-only events (no id) naming the
// member. Members that join or leave while the stream is open are followed.
// A pico that is no collection streams as before.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "channels/client/event_stream.h"
#include "tests/integration/spimes_helpers.h"

namespace spime::integration {
namespace {

client::EventStream open_stream(const SpimeServer& s, const std::string& target) {
  client::Url url;
  std::string err;
  REQUIRE(client::parse_url(s.url(), &url, &err));
  client::EventStream stream(url);
  std::string why = stream.open(target);
  INFO(why);
  REQUIRE(why.empty());
  return stream;
}

struct Got {
  std::string id;  // "" for a member's reading
  json data;
};

// Reads events until `done` holds for what was read (at most 10 s).
template <class Done>
std::vector<Got> read_until(client::EventStream& stream, Done done) {
  std::vector<Got> got;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done(got) && std::chrono::steady_clock::now() < deadline) {
    auto e = stream.next(200ms);
    if (!e) {
      REQUIRE_FALSE(stream.ended());
      continue;
    }
    REQUIRE(e->event == "message");
    got.push_back(Got{e->id, json::parse(e->data)});
  }
  REQUIRE(done(got));
  return got;
}

std::vector<Got> readings(const std::vector<Got>& got) {
  std::vector<Got> out;
  for (const Got& g : got) {
    if (g.data.contains("member")) out.push_back(g);
  }
  return out;
}

size_t count_type(const std::vector<Got>& got, const std::string& type) {
  size_t n = 0;
  for (const Got& g : got) n += g.data.at("type") == type ? 1 : 0;
  return n;
}

// Member name -> its pico id, as the collection knows them.
std::map<std::string, std::string> member_ids(const SpimeServer& s, const std::string& eci) {
  std::map<std::string, std::string> out;
  for (const auto& m : must_query(s, eci, kCollection, "members")) {
    out[m.at("name").get<std::string>()] = m.at("id").get<std::string>();
  }
  return out;
}

double temperature(const Got& reading) {
  return reading.data.at("attrs").at("readings").at(0).at("temperatureF").get<double>();
}

}  // namespace

TEST_CASE("collection streams: members' readings and violations on the collection's stream",
          "[integration][streams][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hall = make_collection(s, "hallway");
  std::string a = make_device(s, "dev_a");
  std::string b = make_device(s, "dev_b");
  join(s, "hallway", "dev_a", a);
  join(s, "hallway", "dev_b", b);
  auto ids = member_ids(s, hall);
  REQUIRE(ids.size() == 2);

  auto watch = open_stream(s, "/c/" + hall + "/stream?domain=esproto");
  auto device = open_stream(s, "/c/" + a + "/stream");
  // Queued behind the stream's own read of the members (the collection's FIFO).
  member_ids(s, hall);
  must_heartbeat(s, a, "temp-normal.json");
  must_heartbeat(s, b, "temp-normal.json");
  must_heartbeat(s, a, "temp-hot.json");

  std::vector<Got> got = read_until(watch, [](const std::vector<Got>& g) {
    return readings(g).size() >= 3 && count_type(g, "threshold_violation") >= 1;
  });
  std::vector<Got> r = readings(got);
  REQUIRE(r.size() == 3);
  // In commit order per member (and here overall: each heartbeat was answered before the next).
  CHECK(r[0].data.at("member") == ids["dev_a"]);
  CHECK(r[1].data.at("member") == ids["dev_b"]);
  CHECK(r[2].data.at("member") == ids["dev_a"]);
  CHECK(temperature(r[0]) < temperature(r[2]));
  for (const Got& g : r) {
    CHECK(g.id.empty());
    CHECK(g.data.at("domain") == "esproto");
    CHECK(g.data.at("type") == "new_temperature_reading");
    CHECK_FALSE(g.data.contains("eci"));
    CHECK_FALSE(g.data.contains("seq"));
  }
  // The collection's own events keep their ids; the violation comes after the reading that made it.
  size_t violation_at = got.size(), hot_at = got.size();
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i].data.contains("member")) {
      if (got[i].data.at("member") == ids["dev_a"]) hot_at = i;  // the last one from dev_a
      continue;
    }
    CHECK_FALSE(got[i].id.empty());
    if (got[i].data.at("type") == "threshold_violation") {
      violation_at = i;
      CHECK(got[i].data.at("attrs").at("device_id") == ids["dev_a"]);
    }
  }
  CHECK(hot_at < violation_at);

  // A type filter applies to readings too.
  auto violations_only = open_stream(s, "/c/" + hall + "/stream?type=threshold_violation");
  member_ids(s, hall);
  must_heartbeat(s, b, "temp-hot.json");
  std::vector<Got> v = read_until(violations_only, [](const std::vector<Got>& g) {
    return count_type(g, "threshold_violation") >= 1;
  });
  CHECK(readings(v).empty());

  // The device's own stream is unchanged: its own events, each with its id.
  std::vector<Got> own =
      read_until(device, [](const std::vector<Got>& g) { return count_type(g, "heartbeat") >= 2; });
  for (const Got& g : own) {
    CHECK_FALSE(g.id.empty());
    CHECK_FALSE(g.data.contains("member"));
  }
}

TEST_CASE("collection streams: members that join or leave while it is watched",
          "[integration][streams][spimes]") {
  SpimeServer s;
  install_spimes(s);
  std::string hall = make_collection(s, "hallway");
  std::string a = make_device(s, "dev_a");
  std::string b = make_device(s, "dev_b");
  join(s, "hallway", "dev_a", a);

  auto watch = open_stream(s, "/c/" + hall + "/stream?domain=esproto&type=new_temperature_reading");
  member_ids(s, hall);
  must_heartbeat(s, b, "temp-normal.json");  // not a member (yet): not on the stream
  must_heartbeat(s, a, "temp-normal.json");
  std::vector<Got> first =
      read_until(watch, [](const std::vector<Got>& g) { return g.size() >= 1; });
  // dev_b's came first: had it been followed, it would be the first event.
  REQUIRE(first.size() == 1);

  // dev_b joins while the stream is open.
  join(s, "hallway", "dev_b", b);
  auto ids = member_ids(s, hall);
  CHECK(first[0].data.at("member") == ids["dev_a"]);
  must_heartbeat(s, b, "temp-normal.json");
  std::vector<Got> joined =
      read_until(watch, [](const std::vector<Got>& g) { return g.size() >= 1; });
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].data.at("member") == ids["dev_b"]);

  // dev_a leaves: its readings stop; dev_b's go on (and come after anything of dev_a's).
  CHECK(must_remove(s, "hallway", "dev_a") == std::vector<std::string>{"member_removed"});
  must_heartbeat(s, a, "temp-normal.json");
  must_heartbeat(s, b, "temp-normal.json");
  std::vector<Got> after =
      read_until(watch, [](const std::vector<Got>& g) { return g.size() >= 1; });
  REQUIRE(after.size() == 1);
  CHECK(after[0].data.at("member") == ids["dev_b"]);
}

}  // namespace spime::integration
