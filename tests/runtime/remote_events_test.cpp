// post_remote_event (one POST of an event to another engine) against a small
// recording Beast server on 127.0.0.1:0: what arrives (method, target
// encoding, content type, body), how each answer is classified (accepted,
// retry, refused), refused ports, bad hosts, timeouts and TLS failures. The
// outbox that decides what to do with the outcome is tested in outbox_test.cpp.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "engine/runtime/outbound/remote_events.h"
#include "tests/runtime/recording_server.h"

using namespace spime::runtime;
using namespace spime::runtime::testing;
using Kind = PostOutcome::Kind;

namespace {

RemoteEvent event(const std::string& host, const std::string& eci = "eci1",
                  const std::string& domain = "test", const std::string& name = "ping",
                  const std::string& attrs = "{}") {
  return RemoteEvent{host, eci, domain, name, attrs};
}

}  // namespace

TEST_CASE("remote_event_url joins the host and percent-encoded segments", "[remote]") {
  CHECK(remote_event_url(event("http://h:3000")) == "http://h:3000/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("http://h:3000/")) == "http://h:3000/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("https://h/base//")) == "https://h/base/c/eci1/event/test/ping");
  CHECK(remote_event_url(event("http://h", "a b/c?d#e%f", "d-._~x", "n\xC3\xA9+&")) ==
        "http://h/c/a%20b%2Fc%3Fd%23e%25f/event/d-._~x/n%C3%A9%2B%26");
  CHECK(remote_event_url(event("http://h", "", "", "")) == "http://h/c//event//");
}

TEST_CASE("events are POSTed as JSON to the reference URL", "[remote]") {
  RecordingServer server;
  PostOutcome a = post_remote_event(
      event(server.host(), "ECI 1/x", "wovyn", "heartbeat", R"({"temp":72.5,"tags":["a"]})"), 5s);
  PostOutcome b = post_remote_event(event(server.host() + "/", "eci2", "dom?ain", "ty#pe"), 5s);
  CHECK(a.kind == Kind::kAccepted);
  CHECK(a.status == 200);
  CHECK(a.error.empty());
  CHECK(b.kind == Kind::kAccepted);
  auto got = server.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].method == "POST");
  CHECK(got[0].target == "/c/ECI%201%2Fx/event/wovyn/heartbeat");
  CHECK(got[0].content_type == "application/json");
  CHECK(got[0].body == R"({"temp":72.5,"tags":["a"]})");
  CHECK(got[1].target == "/c/eci2/event/dom%3Fain/ty%23pe");
  CHECK(got[1].body == "{}");
}

TEST_CASE("statuses: 2xx accepted — 408, 429, 5xx retried — other refusals final", "[remote]") {
  CHECK(classify_status(200) == Kind::kAccepted);
  CHECK(classify_status(202) == Kind::kAccepted);
  CHECK(classify_status(299) == Kind::kAccepted);
  CHECK(classify_status(408) == Kind::kRetry);
  CHECK(classify_status(429) == Kind::kRetry);
  CHECK(classify_status(500) == Kind::kRetry);
  CHECK(classify_status(503) == Kind::kRetry);
  CHECK(classify_status(599) == Kind::kRetry);
  CHECK(classify_status(400) == Kind::kRefused);
  CHECK(classify_status(403) == Kind::kRefused);
  CHECK(classify_status(404) == Kind::kRefused);
  CHECK(classify_status(413) == Kind::kRefused);
  CHECK(classify_status(302) == Kind::kRefused);  // we follow no redirects

  RecordingServer unavailable(503);
  PostOutcome r = post_remote_event(event(unavailable.host()), 5s);
  CHECK(r.kind == Kind::kRetry);
  CHECK(r.status == 503);
  CHECK(r.error == "503 Service Unavailable");

  RecordingServer not_found(404);
  r = post_remote_event(event(not_found.host()), 5s);
  CHECK(r.kind == Kind::kRefused);
  CHECK(r.status == 404);
  CHECK(r.error == "404 Not Found");
}

TEST_CASE("a refused connection is a retry", "[remote]") {
  std::string refused = "http://127.0.0.1:" + std::to_string(closed_port());
  PostOutcome r = post_remote_event(event(refused), 5s);
  CHECK(r.kind == Kind::kRetry);
  CHECK(r.status == 0);
  CHECK(r.error.rfind("cannot connect", 0) == 0);
  CHECK(r.error.find("refused") != std::string::npos);
}

TEST_CASE("hosts that are not http(s) URLs are refused, not posted", "[remote]") {
  struct Case {
    const char* host;
    const char* error;
  };
  const std::vector<Case> cases = {
      {"ftp://h", "unsupported url scheme ftp (host must be http:// or https://)"},
      {"localhost:3000", "host is not an http:// or https:// url"},
      {"http://h:99999", "invalid url port 99999"},
      {"http://h?x=1", "host must not have a query or fragment"},
      {"http://user@h", "credentials in urls are not supported"},
      {"http:///x", "url has no host"},
  };
  for (const Case& c : cases) {
    INFO(c.host);
    CHECK(remote_host_error(c.host) == c.error);
    PostOutcome r = post_remote_event(event(c.host), 5s);
    CHECK(r.kind == Kind::kRefused);
    CHECK(r.status == 0);
    CHECK(r.error == c.error);
  }
  CHECK(remote_host_error("http://127.0.0.1:3000/").empty());
  CHECK(remote_host_error("https://example.com/base").empty());
}

TEST_CASE("a POST that gets no answer times out, to be retried", "[remote]") {
  RecordingServer server(200, 10s);
  auto start = std::chrono::steady_clock::now();
  PostOutcome r = post_remote_event(event(server.host()), 200ms);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(r.kind == Kind::kRetry);
  CHECK(r.error == "timed out after 200 ms");
}

TEST_CASE("a 2xx answer with a body over the cap is still accepted", "[remote]") {
  RecordingServer server(200, 0ms, kMaxResponseBytes * 4);
  PostOutcome r = post_remote_event(event(server.host()), 5s);
  CHECK(r.kind == Kind::kAccepted);
  CHECK(server.received().size() == 1);
}

TEST_CASE("https to a peer that does not speak TLS is a retry", "[remote]") {
  RecordingServer server;
  std::string host = "https://127.0.0.1:" + std::to_string(server.port());
  PostOutcome r = post_remote_event(event(host), 2000ms);
  CHECK(r.kind == Kind::kRetry);
  CHECK((r.error.find("TLS handshake") != std::string::npos ||
         r.error.find("timed out") != std::string::npos));
  CHECK(server.received().empty());
}
