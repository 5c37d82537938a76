// Live event streams (GET /c/:eci/stream) on a real `spime serve`, while
// ESProto heartbeats flow through router and device: two watchers each see
// each event once and in order; a watcher that comes back with its
// Last-Event-ID loses nothing kept; a watcher that never reads is dropped
// (bounded) while the heartbeats go on; policies and the watcher limit.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "channels/client/event_stream.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sky.h"

namespace spime::integration {
namespace {

std::string heartbeat_body(size_t padding = 0) {
  json hb = json::parse(read_file(std::string(SPIME_SHARED_DIR) + "/esproto/temp-normal.json"));
  if (padding > 0) hb["padding"] = std::string(padding, 'p');
  return hb.dump();
}

// A sensor pico with the ESProto router and device rulesets; its allow-all channel.
std::string sensor(const SpimeServer& s) {
  std::string eci = new_child(s, s.owner_eci(), "sensor");
  install_ruleset(s, eci, shipped_ruleset_url("esproto_router"), "esproto_router");
  install_ruleset(s, eci, shipped_ruleset_url("esproto_device"), "esproto_device");
  return eci;
}

// POSTs one heartbeat; answers its eid.
std::string heartbeat(const SpimeServer& s, const std::string& eci, const std::string& body) {
  HttpResult r = s.post("/sky/event/" + eci + "/none/wovyn/heartbeat", body);
  INFO(describe(r));
  REQUIRE(r.status == 200);
  return r.body.at("eid").get<std::string>();
}

client::EventStream open_stream(const SpimeServer& s, const std::string& target,
                                const std::string& last_id = "") {
  client::Url url;
  std::string err;
  REQUIRE(client::parse_url(s.url(), &url, &err));
  client::EventStream stream(url);
  std::string why = stream.open(target, last_id);
  INFO(why);
  REQUIRE(why.empty());
  return stream;
}

struct Seen {
  std::vector<std::uint64_t> ids;
  std::vector<std::string> eids;
};

// Reads `n` events (at most 10 s for all).
Seen read_events(client::EventStream& stream, size_t n) {
  Seen seen;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (seen.ids.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto e = stream.next(200ms);
    if (!e) {
      REQUIRE_FALSE(stream.ended());
      continue;
    }
    REQUIRE(e->event == "message");
    json data = json::parse(e->data);
    CHECK(data.at("domain") == "wovyn");
    CHECK(data.at("type") == "heartbeat");
    CHECK(std::to_string(data.at("seq").get<std::uint64_t>()) == e->id);
    seen.ids.push_back(std::stoull(e->id));
    seen.eids.push_back(data.at("eid").get<std::string>());
  }
  REQUIRE(seen.ids.size() == n);
  return seen;
}

bool strictly_increasing(const std::vector<std::uint64_t>& v) {
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] <= v[i - 1]) return false;
  }
  return true;
}

const std::string kFilter = "?domain=wovyn&type=heartbeat";

}  // namespace

TEST_CASE("streams: two watchers see each heartbeat once, in order", "[integration][streams]") {
  SpimeServer s;
  std::string eci = sensor(s);
  const std::string body = heartbeat_body();
  auto a = open_stream(s, "/c/" + eci + "/stream" + kFilter);
  auto b = open_stream(s, "/c/" + eci + "/stream" + kFilter);
  std::vector<std::string> sent;
  for (int i = 0; i < 40; ++i) sent.push_back(heartbeat(s, eci, body));
  Seen sa = read_events(a, sent.size());
  Seen sb = read_events(b, sent.size());
  CHECK(sa.eids == sent);
  CHECK(sb.eids == sent);
  CHECK(sa.ids == sb.ids);
  CHECK(strictly_increasing(sa.ids));
  // Nothing more: each event once.
  CHECK_FALSE(a.next(300ms).has_value());
  CHECK_FALSE(a.ended());
}

TEST_CASE("streams: Last-Event-ID resumes after a disconnect without gap or repeat",
          "[integration][streams]") {
  SpimeServer s;
  std::string eci = sensor(s);
  const std::string body = heartbeat_body();
  const std::string target = "/c/" + eci + "/stream" + kFilter;
  std::vector<std::string> sent;
  std::string last;
  {
    auto a = open_stream(s, target);
    for (int i = 0; i < 10; ++i) sent.push_back(heartbeat(s, eci, body));
    Seen first = read_events(a, 10);
    CHECK(first.eids == sent);
    last = std::to_string(first.ids.back());
  }
  // Disconnected: these are kept in the pico's log.
  std::vector<std::string> missed;
  for (int i = 0; i < 15; ++i) missed.push_back(heartbeat(s, eci, body));
  auto again = open_stream(s, target, last);
  // And live ones while the replay may still run.
  std::vector<std::string> live;
  for (int i = 0; i < 5; ++i) live.push_back(heartbeat(s, eci, body));
  Seen resumed = read_events(again, missed.size() + live.size());
  std::vector<std::string> expected = missed;
  expected.insert(expected.end(), live.begin(), live.end());
  CHECK(resumed.eids == expected);
  CHECK(resumed.ids.front() == std::stoull(last) + 1);
  CHECK(strictly_increasing(resumed.ids));
  CHECK_FALSE(again.next(300ms).has_value());

  // A stream that resumes after a restart reads from the store alone.
  s.kill9();
  s.start();
  auto after_restart = open_stream(s, target, last);
  Seen replayed = read_events(after_restart, expected.size());
  CHECK(replayed.eids == expected);
}

TEST_CASE("streams: a watcher that never reads is dropped — heartbeats go on",
          "[integration][streams]") {
  ServerOptions o;
  o.extra_args = {"--watcher-buffer", "16"};
  SpimeServer s(o);
  std::string eci = sensor(s);
  // Big enough that a few hundred fill the socket buffers on both sides.
  const std::string body = heartbeat_body(32 * 1024);
  const std::string target = "/c/" + eci + "/stream" + kFilter;

  // The stalled client: asks for the stream with a small receive buffer, then reads nothing.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket stalled(ioc);
  stalled.open(boost::asio::ip::tcp::v4());
  stalled.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  stalled.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  boost::asio::write(stalled, boost::asio::buffer(request));

  // A healthy watcher reads as they come (on its own thread: no Catch macros there).
  auto healthy = open_stream(s, target);
  const size_t n = 400;
  std::vector<std::string> healthy_eids;
  std::thread reader([&] {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (healthy_eids.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto e = healthy.next(200ms);
      if (e && e->event == "message") {
        healthy_eids.push_back(json::parse(e->data).at("eid").get<std::string>());
      } else if (!e && healthy.ended()) {
        break;
      }
    }
  });
  std::vector<std::string> sent;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) sent.push_back(heartbeat(s, eci, body));
  const auto took = std::chrono::steady_clock::now() - start;
  reader.join();
  INFO("400 heartbeats took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                              << " ms");
  // The healthy watcher saw them all, in order.
  CHECK(healthy_eids == sent);

  // Now the stalled client reads: some events, then the last one saying it was dropped, then
  // the end of the stream.
  std::string got;
  std::array<char, 65536> buf{};
  struct timeval tv {
    10, 0
  };
  setsockopt(stalled.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool eof = false;
  for (int reads = 0; reads < 100000; ++reads) {
    ssize_t k = ::recv(stalled.native_handle(), buf.data(), buf.size(), 0);
    if (k <= 0) {
      eof = k == 0;
      break;
    }
    got.append(buf.data(), static_cast<size_t>(k));
  }
  CHECK(eof);
  const size_t dropped_at = got.find("event: dropped\n");
  REQUIRE(dropped_at != std::string::npos);
  size_t events = 0;
  for (size_t at = got.find("\nid: "); at != std::string::npos; at = got.find("\nid: ", at + 1)) {
    ++events;
  }
  CHECK(events < n);
  CHECK(got.find("lastEventId") != std::string::npos);

  // /metrics counts it; the healthy watcher is still open.
  HttpResult m = s.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.text.find("\nspime_stream_watchers_dropped_total 1\n") != std::string::npos);
  CHECK(m.text.find("\nspime_stream_watchers 1\n") != std::string::npos);
}

TEST_CASE("streams: policies, unknown ECIs, bad ids and the watcher limit",
          "[integration][streams]") {
  ServerOptions o;
  o.extra_args = {"--max-watchers", "2"};
  SpimeServer s(o);
  std::string eci = sensor(s);
  CHECK(s.get("/c/nope/stream").status == 404);
  CHECK(s.get("/c/" + eci + "/stream?lastEventId=abc").status == 400);
  // A channel whose query policy does not allow the UI's logs may not watch.
  json no_queries = {{"allow", json::array()}, {"deny", json::array()}};
  std::string closed = new_channel(s, eci, "closed", allow_all_events(), no_queries);
  CHECK(s.get("/c/" + closed + "/stream").status == 403);
  // A channel whose event policy allows only wovyn:heartbeat shows nothing else.
  json only_hb = {{"allow", {{{"domain", "wovyn"}, {"name", "heartbeat"}}}},
                  {"deny", json::array()}};
  std::string narrow = new_channel(s, eci, "narrow", only_hb, allow_all_queries());
  auto a = open_stream(s, "/c/" + narrow + "/stream");
  auto b = open_stream(s, "/c/" + eci + "/stream");
  must_event(s, eci, "esproto", "new_threshold",
             {{"threshold_type", "temperature"}, {"upper_limit", 80}, {"lower_limit", 50}});
  heartbeat(s, eci, heartbeat_body());
  auto first_a = a.next(5s);
  REQUIRE(first_a);
  CHECK(json::parse(first_a->data).at("type") == "heartbeat");
  auto first_b = b.next(5s);
  REQUIRE(first_b);
  CHECK(json::parse(first_b->data).at("type") == "new_threshold");
  // A third watcher is one too many.
  HttpResult third = s.get("/c/" + eci + "/stream");
  CHECK(third.status == 503);
}

TEST_CASE("streams: keep-alive comments on a quiet stream", "[integration][streams]") {
  ServerOptions o;
  o.extra_args = {"--stream-keepalive-ms", "50"};
  SpimeServer s(o);
  std::string eci = sensor(s);
  auto a = open_stream(s, "/c/" + eci + "/stream");
  CHECK_FALSE(a.next(400ms).has_value());
  CHECK_FALSE(a.ended());
  CHECK(a.comments() >= 3);
}

}  // namespace spime::integration
