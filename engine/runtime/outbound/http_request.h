// http_request: one outbound HTTP(S) request with its whole response: the
// one exchange every outbound client uses -- the KRL `http` module
// (modules/module_http.cpp), ruleset fetches (url_fetch.h) and events posted
// to other engines (remote_events.h).
//
// Blocking on purpose: the caller's thread drives its own io_context for the
// whole exchange, bounded by `timeout` (redirects included). The pico
// runtime calls it only on its I/O pool's threads (pico/io_pool.h), never on
// a CAF scheduler thread or a Beast thread. Thread-safe: every call has its
// own io_context and connection (HTTP/1.1, `Connection: close`).
//
// Contract:
//  - Only http:// and https:// URLs (http_client::parse_url): anything else
//    fails with its message ("unsupported url scheme ftp", ...).
//  - Every status is a response (404 and 500 included); only transport
//    problems fail: "cannot resolve h: ...", "cannot connect to h:p: ...",
//    "timed out after N ms", "response larger than N bytes" (by
//    Content-Length or as the body streams), "cannot read the response: ...".
//  - Redirects (301, 302, 303, 307, 308 with a Location) are followed unless
//    `follow_redirects` is false, at most `max_redirects`, as fetch does:
//    303, and 301/302 after a POST, continue as a GET without a body; 307
//    and 308 repeat the method and body. A redirect to another scheme fails.
//    Not followed, the 3xx is the response, its Location made absolute.
//  - A HEAD response has no body, whatever its Content-Length says.
//  - https verifies the peer's chain against the system store and its host
//    name, unless `verify_certificates` is false (tests only).
//  - With a `guard` (destination_guard.h), every connection, redirects'
//    included, goes only to resolved addresses the guard passes; none:
//    "destination refused: 127.0.0.1 is a loopback address (...)".
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace spime::runtime {

class DestinationGuard;

struct HttpRequestOptions {
  std::chrono::milliseconds timeout{10000};
  std::size_t max_response_bytes = 1024 * 1024;
  bool follow_redirects = true;
  int max_redirects = 20;  // as fetch
  bool verify_certificates = true;
  // A body over max_response_bytes: false fails the request ("response
  // larger than N bytes"); true answers with the status and headers and an
  // empty body (for a caller that needs only the status).
  bool drop_large_body = false;
  // Not owned; must outlive the call. nullptr: any destination.
  const DestinationGuard* guard = nullptr;
};

struct HttpRequest {
  std::string method = "GET";  // upper case
  std::string url;
  // Sent as given, in order, after Host (names as written; the caller
  // resolves duplicates). Content-Length is computed, not taken from here.
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_body = false;
  std::string body;
};

struct HttpResponse {
  unsigned status = 0;
  std::string reason;  // as the server wrote it ("" when it wrote none)
  // Lower-case names, sorted, repeated fields joined with ", " (as fetch's Headers).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string url;  // the URL that answered (after redirects)
  // nullptr when absent.
  const std::string* header(const std::string& lower_name) const;
};

// "404 Not Found": the status and the server's reason, or the standard
// reason when it wrote none.
std::string status_line(const HttpResponse& response);

// True + *response, or false + *error (without any "METHOD url: " prefix).
bool send_http_request(const HttpRequest& request, const HttpRequestOptions& options,
                       HttpResponse* response, std::string* error);

}  // namespace spime::runtime
