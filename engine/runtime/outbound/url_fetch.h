// fetch_url: the body of an http:// or https:// URL, with one blocking GET.
//
// Used by the ruleset registry to read rulesets from the web (/api/flush,
// wrangler install_ruleset_request, ctx:flush, ctx:install). It blocks the
// calling thread for up to `timeout`: callers run it off the HTTP I/O
// threads (Engine::flush spawns an actor); ctx:install/ctx:flush call it
// inside an event, blocking that pico's actor for the fetch (acceptable for
// now: other picos keep running).
//
// Contract (one GET through send_http_request, http_request.h):
//  - Only 2xx answers give a body; anything else fails with
//    "GET <url that answered>: <status> <reason>" (e.g. "GET http://h/x.krl:
//    404 Not Found").
//  - Redirects (301, 302, 303, 307, 308) are followed, at most
//    `max_redirects`, and only to http(s) URLs; relative Locations resolve
//    against the current URL. Other failures: "GET <url>: <why>", as
//    send_http_request says it ("more than 5 redirects", "redirect to
//    file:///x: unsupported url scheme file", "timed out after N ms",
//    "response larger than N bytes", ...).
//  - `timeout` bounds the whole fetch, redirects included.
//  - https verifies the peer's certificate chain against the system store
//    and its host name, unless `verify_certificates` is false (tests only).
//  - Thread-safe: each call has its own io_context and connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "engine/krl/limits.h"

namespace spime::runtime {

struct FetchOptions {
  std::chrono::milliseconds timeout{10000};
  std::size_t max_body_bytes = krl::kMaxSourceBytes;
  int max_redirects = 5;
  bool verify_certificates = true;
};

// True + *body on success; false + *error (body untouched) otherwise.
bool fetch_url(const std::string& url, std::string* body, std::string* error,
               const FetchOptions& options = FetchOptions());

// True for urls fetch_url handles (http:// and https://, case-insensitive scheme).
bool is_http_url(const std::string& url);

}  // namespace spime::runtime
