// The HTTP server's streams (GET /c/:eci/stream) against a scripted engine:
// the request it hands the engine, the SSE header, writes on each wake,
// keep-alive comments, the end of a watch, a client that goes away, and
// refusals mapped to their status.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "channels/client/event_stream.h"
#include "channels/http_server.h"
#include "http_client.h"

using namespace spime;
using namespace std::chrono_literals;

namespace {

// A watch whose text the test writes.
class ScriptedWatch : public api::Watch {
 public:
  void push(const std::string& text, bool end = false) {
    std::lock_guard<std::mutex> lock(mu_);
    text_ += text;
    ended_ = ended_ || end;
  }
  std::string take(bool* ended) override {
    std::lock_guard<std::mutex> lock(mu_);
    *ended = ended_;
    std::string out;
    out.swap(text_);
    return out;
  }
  void cancel() override { cancelled = true; }
  std::atomic<bool> cancelled{false};

 private:
  std::mutex mu_;
  std::string text_;
  bool ended_ = false;
};

class StreamEngine : public api::EngineApi {
 public:
  void event_wait(api::EventRequest, api::Done<api::EventResult> done) override {
    done(api::Status::unavailable("no"));
  }
  void event(api::EventRequest, api::Done<std::string> done) override {
    done(api::Status::unavailable("no"));
  }
  void event_query(api::EventRequest, api::QueryRequest, api::Done<krl::Value> done) override {
    done(api::Status::unavailable("no"));
  }
  void query(api::QueryRequest, api::Done<krl::Value> done) override {
    done(api::Status::unavailable("no"));
  }
  void flush(std::string, std::string, api::Done<krl::Value> done) override {
    done(api::Status::unavailable("no"));
  }
  void ui_context(api::Done<api::UiContext> done) override { done(api::UiContext{"0", "e"}); }

  void watch(api::WatchRequest request, std::shared_ptr<api::WatchSink> sink,
             api::Done<std::shared_ptr<api::Watch>> done) override {
    std::lock_guard<std::mutex> lock(mu);
    last = request;
    if (refuse) return done(*refuse);
    this->sink = std::move(sink);
    w = std::make_shared<ScriptedWatch>();
    done(std::shared_ptr<api::Watch>(w));
  }

  std::mutex mu;
  std::optional<api::Status> refuse;
  std::optional<api::WatchRequest> last;
  std::shared_ptr<api::WatchSink> sink;
  std::shared_ptr<ScriptedWatch> w;
};

struct Fixture {
  explicit Fixture(channels::HttpServerOptions options = {}) : server(engine, options) {
    std::string error;
    auto p = server.start(&error);
    INFO(error);
    REQUIRE(p);
    port = *p;
  }
  client::EventStream stream(const std::string& target, const std::string& last = "") {
    client::EventStream s(client::Url{"127.0.0.1", port, ""});
    std::string why = s.open(target, last);
    INFO(why);
    REQUIRE(why.empty());
    return s;
  }
  StreamEngine engine;
  channels::HttpServer server;
  unsigned short port = 0;
};

}  // namespace

TEST_CASE("streams: the request, the header, events on each wake, the end", "[http]") {
  Fixture f;
  auto s = f.stream("/c/E%201/stream?domain=wovyn&type=heartbeat", "41");
  {
    std::lock_guard<std::mutex> lock(f.engine.mu);
    REQUIRE(f.engine.last);
    CHECK(f.engine.last->eci == "E 1");
    CHECK(f.engine.last->domain == "wovyn");
    CHECK(f.engine.last->type == "heartbeat");
    CHECK(f.engine.last->last_event_id == std::uint64_t{41});
  }
  CHECK_FALSE(s.next(100ms).has_value());  // nothing yet
  f.engine.w->push("id: 42\ndata: {\"a\":1}\n\n");
  f.engine.sink->wake();
  auto e = s.next(2s);
  REQUIRE(e);
  CHECK(e->id == "42");
  CHECK(e->data == "{\"a\":1}");
  // Two events, one wake.
  f.engine.w->push("id: 43\ndata: x\ndata: y\n\nid: 44\ndata: z\n\n");
  f.engine.sink->wake();
  auto e43 = s.next(2s);
  auto e44 = s.next(2s);
  REQUIRE(e43);
  REQUIRE(e44);
  CHECK(e43->data == "x\ny");
  CHECK(e44->id == "44");
  // The end: the last event, then the connection closes.
  f.engine.w->push("event: dropped\ndata: {}\n\n", true);
  f.engine.sink->wake();
  auto last = s.next(2s);
  REQUIRE(last);
  CHECK(last->event == "dropped");
  CHECK_FALSE(s.next(2s).has_value());
  CHECK(s.ended());
  CHECK(f.engine.w->cancelled);
}

TEST_CASE("streams: keep-alive comments, and a client that leaves is forgotten", "[http]") {
  channels::HttpServerOptions o;
  o.stream_keepalive = 30ms;
  Fixture f(o);
  {
    auto s = f.stream("/c/E/stream");
    CHECK_FALSE(s.next(300ms).has_value());
    CHECK(s.comments() >= 3);
  }
  // The client closed: the session sees it and cancels the watch.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!f.engine.w->cancelled && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(f.engine.w->cancelled);
}

TEST_CASE("streams: refusals and bad requests answer as requests do", "[http]") {
  Fixture f;
  channels::testing::HttpClient c(f.port);
  CHECK(c.get("/c/E/stream?lastEventId=x").status == 400);
  auto refuse = [&f](api::Status s) {
    std::lock_guard<std::mutex> lock(f.engine.mu);
    f.engine.refuse = std::move(s);
  };
  refuse(api::Status::unavailable("too many watchers"));
  auto r = c.get("/c/E/stream");
  CHECK(r.status == 503);
  CHECK(r.body.find("too many watchers") != std::string::npos);
  refuse(api::Status::permission_denied("no"));
  CHECK(c.get("/c/E/stream").status == 403);
  // The connection goes on serving requests after a refused stream.
  CHECK(c.get("/api/ui-context").status == 200);
}
