// SpimeServer: the real `spime serve` binary as a child process, for tests
// that drive the engine over HTTP exactly as a client would.
//
// The server listens on 127.0.0.1 with an ephemeral port (--port 0), over
// https when ServerOptions names a certificate, with an owner token when it
// names one (the helpers below then send it), and lets its http module reach
// loopback (--http-allow 127.0.0.0/8 and ::1, as the tests' peers listen
// there) unless ServerOptions says otherwise. It keeps
// its state in a fresh temporary data directory that lives as long as the
// SpimeServer object (restarts reuse it). Its stdout and stderr are drained
// by a reader thread into output(), so a chatty server never blocks on a full
// pipe, and failures can show what the server said.
//
// Everything is bounded: startup waits at most kStartTimeout for the
// "listening" and "owner ECI" lines, stop() at most kStopTimeout for the
// process to exit after SIGTERM (then SIGKILL), and every HTTP exchange at
// most its timeout (connect, send, receive). Failures throw
// std::runtime_error with the server's captured output.
//
// The child gets PR_SET_PDEATHSIG(SIGKILL): a crashed test never leaves a
// server behind.
//
// Thread-safety: the HTTP helpers (get/post/event/query) may be called from
// several threads at once; start/stop/kill9/restart from one thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"
#include "tests/temp_dir.h"

namespace spime::integration {

// A temporary directory, removed (recursively) with the object.
using spime::testing::TempDir;

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kStartTimeout = 15s;
constexpr auto kStopTimeout = 15s;
constexpr auto kHttpTimeout = 10s;

// Reads a whole file (test data); throws when it cannot.
std::string read_file(const std::string& path);

// A loopback port that was free a moment ago: for a server that must keep
// its port across restarts (its URL is written down somewhere).
unsigned short free_loopback_port();

struct HttpResult {
  int status = 0;  // 0: no answer (connection refused, reset, timed out)
  std::string text;
  json body;  // the parsed body; discarded (is_discarded()) when not JSON
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;  // why status is 0
  std::string header(const std::string& name) const;
};

// One HTTP/1.1 exchange on a fresh loopback connection (Connection: close),
// through spime::client::HttpClient. `headers` are sent as given, after Host
// and Content-Type.
HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& content_type = "",
                        std::chrono::milliseconds timeout = kHttpTimeout,
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

using client::url_encode;

// One exchange with `url` (http or https) on a fresh connection, with
// `options` (its timeout, cafile and bearer token) and Connection: close.
HttpResult http_exchange(const client::Url& url, client::Options options, const std::string& method,
                         const std::string& target, const std::string& body = "",
                         const std::string& content_type = "",
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

struct ServerOptions {
  ServerOptions() = default;
  // ServerOptions{rulesets_dir, extra_args}, as when these were its only fields.
  ServerOptions(std::string rulesets, std::vector<std::string> extra)
      : rulesets_dir(std::move(rulesets)), extra_args(std::move(extra)) {}

  // --rulesets DIR; empty: the binary's default (the source tree's rulesets/).
  std::string rulesets_dir;
  std::vector<std::string> extra_args;
  // --http-allow 127.0.0.0/8 --http-allow ::1 (the destination guard's
  // default refuses loopback; the tests' own HTTP peers listen there).
  bool http_allow_loopback = true;
  // --tls-cert/--tls-key (PEM files); the helpers then speak https,
  // verifying the server with `cafile`.
  std::string tls_cert, tls_key, cafile;
  // Written to a file (mode 600) for --owner-token-file; the helpers send it.
  std::string owner_token;
};

class SpimeServer {
 public:
  explicit SpimeServer(ServerOptions options = {});  // starts the server
  ~SpimeServer();                                    // stops it, removes the data dir
  SpimeServer(const SpimeServer&) = delete;
  SpimeServer& operator=(const SpimeServer&) = delete;

  void start();
  // SIGTERM and wait; returns the exit status (waitpid's), or -1 when it had
  // to be killed. No-op (returns 0) when not running.
  int stop();
  void kill9();
  void pause();   // SIGSTOP: the process stops, its sockets stay open
  void resume();  // SIGCONT
  void restart() {
    stop();
    start();
  }
  bool running() const { return pid_ > 0; }

  unsigned short port() const { return port_; }
  const std::string& owner_eci() const { return owner_eci_; }
  // The store's directory (--data): open it with store::Store while stopped.
  std::string data_dir() const { return data_.path() + "/data"; }
  std::string output() const;  // everything the server printed so far
  // "http://127.0.0.1:<port>" (https with TLS): what another engine calls this one.
  std::string url() const {
    return (options_.tls_cert.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") +
           std::to_string(port_);
  }
  // The client's view: the URL and the options (cafile, token) the helpers use.
  client::Url client_url() const;
  client::Options client_options() const;

  // ---- HTTP ----------------------------------------------------------------
  HttpResult get(const std::string& target) const;
  HttpResult post(const std::string& target, const std::string& body,
                  const std::string& content_type = "application/json") const;
  HttpResult post_json(const std::string& target, const json& body) const {
    return post(target, body.dump());
  }
  // POST /sky/event/<eci>/none/<domain>/<type> with `attrs` as the JSON body.
  HttpResult event(const std::string& eci, const std::string& domain, const std::string& type,
                   const json& attrs = json::object()) const;
  // POST /sky/cloud/<eci>/<rid>/<name> with `args` as the JSON body.
  HttpResult query(const std::string& eci, const std::string& rid, const std::string& name,
                   const json& args = json::object()) const;

 private:
  void reader_loop(int fd);
  [[noreturn]] void fail(const std::string& why);

  ServerOptions options_;
  TempDir data_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string owner_eci_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::string output_;
  bool eof_ = true;
  std::thread reader_;
};

}  // namespace spime::integration
