// Fuzz target: bytes as one HTTP request through the route table.
//
// The input is parsed as an HTTP/1.1 request by Beast's parser with the
// server's limits (16 KiB of header, 1 MiB of body; channels/http_server.cpp);
// a complete request goes to stream_request() and then to channels::dispatch()
// against a real Engine (engine/runtime/engine.h), opened once per process
// on a temporary directory that is removed at exit: no rulesets are
// registered (so no KRL runs, nothing leaves the process: /api/flush only
// re-fetches urls already registered, of which there are none), the root
// pico and its owner channel exist. Every "$E$" in the input becomes the
// owner channel's ECI, so the fuzzer reaches the pico routes. The target
// waits (at most 10 s) for the answer, which must come exactly once with an
// HTTP status. No socket is opened.
//
// Not fully deterministic: the engine's state (its picos' logs, events
// queued) carries over between inputs of one run, as on a real server.
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include <boost/beast/http.hpp>

#include "channels/routes.h"
#include "engine/runtime/engine.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace http = boost::beast::http;

class EngineFixture {
 public:
  EngineFixture() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spime-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    dir_ = pattern;
    spime::runtime::EngineOptions options;
    options.data_dir = dir_ + "/data";
    options.sync_commits = false;
    options.confine_ruleset_files = true;
    options.threads = 1;
    options.io_threads = 1;
    options.block_cache_bytes = size_t{8} << 20;
    std::string error;
    engine_ = spime::runtime::Engine::open(options, &error);
    if (!engine_) std::abort();
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    engine_->ui_context([&](spime::api::Result<spime::api::UiContext> r) {
      std::lock_guard<std::mutex> lock(mu);
      if (r.ok()) eci_ = r.value().eci;
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }) || eci_.empty()) {
      std::abort();
    }
  }
  ~EngineFixture() {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  spime::runtime::Engine& engine() { return *engine_; }
  const std::string& eci() const { return eci_; }

 private:
  std::string dir_;
  std::unique_ptr<spime::runtime::Engine> engine_;
  std::string eci_;
};

EngineFixture& fixture() {
  static EngineFixture f;
  return f;
}

std::string with_eci(std::string_view text, const std::string& eci) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$E$") == 0) {
      out += eci;
      i += 3;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// One answer, exactly once, shared with the engine thread that may give it.
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  int status = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace spime;
  EngineFixture& f = fixture();
  const std::string bytes = with_eci(fuzz::as_text(data, size), f.eci());

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (ec || !parser.is_done()) return 0;
  auto& req = parser.get();

  const std::string method(req.method_string());
  const std::string target(req.target());
  channels::Request r;
  r.method = method;
  r.target = target;
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const auto content_type = req[http::field::content_type];
  r.content_type = std::string_view(content_type.data(), content_type.size());
  r.body = req.body();
  r.has_body = req.has_content_length() || req.chunked();
  r.from_loopback = true;

  api::WatchRequest watch;
  channels::Response refused;
  if (channels::stream_request(r, &watch, &refused)) return 0;  // a stream: the session's

  auto answer = std::make_shared<Answer>();
  try {
    channels::dispatch(r, f.engine(), [answer](channels::Response response) {
      std::lock_guard<std::mutex> lock(answer->mu);
      ++answer->count;
      answer->status = response.status;
      answer->cv.notify_all();
    });
  } catch (const std::exception&) {
    // dispatch() answered 500 already (routes.h); checked below.
  }
  std::unique_lock<std::mutex> lock(answer->mu);
  if (!answer->cv.wait_for(lock, std::chrono::seconds(10), [&] { return answer->count > 0; })) {
    std::abort();  // never answered
  }
  if (answer->count != 1 || answer->status < 100 || answer->status > 599) std::abort();
  return 0;
}
