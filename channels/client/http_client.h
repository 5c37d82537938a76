// spime::client: the one synchronous HTTP/1.1 client of spime's tools and
// tests (the `spime` command line, the device fleet simulator, the test fixtures). The
// engine's own outbound calls (KRL's http module, the outbox) use
// engine/runtime/outbound/, not this.
//
// Contract:
//   - parse_url() reads `http://HOST[:PORT][/BASE]` or `https://...`. HOST
//     may be any name or address (`[...]` for IPv6); PORT defaults to 80
//     (443 for https); BASE is a path prefix put before every request's
//     target. No user info, no query.
//   - https verifies the server's chain against Options::cafile (PEM) when
//     given, else the system's CA store, and its name (or address) against
//     the URL's host, as the engine's outbound client does (the TLS set-up
//     is that client's: engine/runtime/outbound/http_client.h). A failed
//     handshake is an error ("TLS handshake with HOST:PORT: ...").
//   - Options::bearer_token, when set, goes out as `Authorization: Bearer
//     <token>` on every request (unless the request's headers carry an
//     Authorization): the owner's token (`spime serve --owner-token-file`).
//     Whether a host is acceptable (the load tools take loopback only) is the
//     caller's choice: is_loopback_host() helps.
//   - An HttpClient holds at most one keep-alive connection, opened on the
//     first request (or by connect()). request() sends one request and waits
//     for its answer, at most Options::timeout for the whole exchange
//     (resolve aside, connect, send, receive). When a connection it had
//     reused turns out closed by the server before any byte of the answer
//     came back, it reconnects and sends once more, within the same deadline;
//     never after an answer began (that could run an event twice) and never
//     after a timeout.
//   - Errors are values: Response::error is non-empty when no complete answer
//     came (refused, reset, timed out, malformed, body over
//     Options::max_body_bytes); any HTTP status is an answer. Nothing throws
//     and nothing waits past the deadline (name resolution excepted: it is
//     bounded by the system resolver's own timeouts; addresses skip it).
//   - The raw helpers (send_raw, read_response, closed_by_server,
//     shutdown_send) are for tests that speak malformed HTTP to a server, on
//     the same connection and with the same deadline.
//
// Thread-safety: an HttpClient is used by one thread at a time (it owns a
// private io_context, run only inside its calls); separate clients are
// independent. parse_url and is_loopback_host are pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spime::client {

struct Url {
  std::string host;  // a name or an address; an IPv6 address without brackets
  unsigned short port = 80;
  std::string base;  // "" or "/a/b": no trailing slash
  bool tls = false;  // https (last: Url{host, port, base} still reads as before)

  // "http://host:port/base" (https), as parse_url reads it back.
  std::string to_string() const;
  // The Host header's value: host, and ":port" unless the scheme's default.
  std::string host_header() const;
};

// False (and a one-line reason in *error) unless `text` is
// http[s]://HOST[:PORT][/BASE].
bool parse_url(const std::string& text, Url* out, std::string* error);

// "localhost", 127.0.0.0/8 and ::1.
bool is_loopback_host(const std::string& host);

// Percent-encodes one path segment or query value (all but A-Z a-z 0-9 - _ . ~).
std::string url_encode(std::string_view s);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  std::string error;  // empty when an answer came (whatever its status)
  int status = 0;     // 0 when error is set
  std::string body;
  Headers headers;          // as received, in order (a name may repeat)
  bool keep_alive = false;  // whether the server keeps the connection open

  bool ok() const { return error.empty(); }
  // The first header of that name (case-insensitive); "" when absent.
  std::string header(const std::string& name) const;
};

struct Options {
  // The deadline of one whole exchange (and of each raw helper call).
  std::chrono::milliseconds timeout{10000};
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  // False: every request says `Connection: close` (a fresh connection each).
  bool keep_alive = true;
  // Sent as User-Agent unless empty or the request's headers carry one.
  std::string user_agent = "spime";
  // https: the CA certificates (PEM) to verify the server with; "": the
  // system's store.
  std::string cafile;
  // Sent as `Authorization: Bearer <bearer_token>` unless empty.
  std::string bearer_token;
};

class HttpClient {
 public:
  explicit HttpClient(Url url, Options options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const Url& url() const;

  // One exchange. `target` is the path and query ("/sky/cloud/..."), put
  // after Url::base. `headers` are sent as given, after Host (a Host among
  // them replaces it); no Content-Type is added (pass one). Content-Length
  // follows the body (none on a GET without one). A method Beast does not
  // know is sent as given.
  Response request(const std::string& method, const std::string& target,
                   const std::string& body = std::string(), const Headers& headers = {});

  // Opens the connection now if none is open; "" on success, else why not.
  std::string connect();
  // Closes the connection (the next request opens a new one).
  void close();

  // ---- raw, for tests of hostile input ---------------------------------------
  // Writes `bytes` as they are (connecting first if needed); "" on success.
  // A failed write leaves the connection as it is, so an answer the server
  // sent before closing can still be read.
  std::string send_raw(const std::string& bytes);
  // Reads one answer from the connection.
  Response read_response();
  // Waits (up to the timeout) for the server to close the connection: true
  // on end of stream or reset (or when no connection is open); false when it
  // stays open or sends more bytes.
  bool closed_by_server();
  // Half-closes the connection: the server reads end of stream.
  void shutdown_send();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::client
