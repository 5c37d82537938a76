// The route table: an HTTP request → one EngineApi call → one Response.
//
// Routes, as the reference server (pico-engine/src/server.ts), then
// spime's own; every one answers any method but HEAD, except /api/ui-context,
// /api/outbox, /api/ruleset-errors and /api/prototypes[/:name] (GET only) and
// /api/prototypes/check (POST only).
//
// HEAD is refused on every path, before anything runs: 405 with `Allow`
// naming the methods the path answers (404 on a path nothing answers), and
// no body. The reference answers HEAD like GET (Express's app.all), which on
// an event route runs the event: HEAD is meant to be safe (RFC 9110 9.3.2),
// and a proxy or link checker probing a URL must not raise events. Answering
// "as GET without the body" would still run the event or query, and the
// server states Content-Length from the body it is given (0), not the
// length GET would send; so no route answers HEAD.
//   GET  /api/ui-context                         → {"version", "eci"}
//   GET  /api/outbox (spime's own)               → what waits for other engines:
//        {"capacity", "waiting", "delivered", "dropped", "destinations": [
//         {"host", "eci", "waiting", "oldestAgeMs", "attempts", "lastError",
//          "nextAttemptMs", "inFlight"}]}, destinations by host then eci
//   ANY  /api/flush?url=                         → the flushed ruleset
//   ANY  /api/clock?advance=MS|set=MS&eci= (spime's own, test-only:
//        `spime serve --manual-clock`)            → {"now": ms}; 400 when
//        advance/set is not an integer
//   ANY  /c/:eci/event/:domain/:name             → "<eid>" once queued
//   ANY  /c/:eci/event-wait/:domain/:name        → {"eid", "directives"}
//   ANY  /c/:eci/event/:domain/:name/query/:rid/:qname → the query's value
//   ANY  /c/:eci/query/:rid/:name[.txt|.html]    → the query's value
//   ANY  /sky/event/:eci/:eid/:domain/:type      → {"eid", "directives"};
//        eid "none" or an `__eid` attribute leaves `__eid` alone, otherwise it
//        becomes the `__eid` attribute; `_cookie` directives set cookies, a
//        `_redirect` directive answers 302
//   ANY  /sky/cloud/:eci/:rid/:function[.txt|.html]
//   GET  /api/ruleset-errors (spime's own)       → {"errors": [{"rid", "url", "error"}]}:
//        persisted rulesets that did not compile at start (error: "file:line:col: ...")
//   GET  /api/prototypes (spime's own)           → {"prototypes": [...]} by name,
//        each as GET /api/prototypes/:name answers it
//   GET  /api/prototypes/:name                   → the resolved prototype
//        (engine/runtime/prototypes/prototype_value.h); 404 unknown
//   POST /api/prototypes/check {"file", "yaml"}  → {"ok": true, "prototypes":
//        [names]}; 400 {"error": "Error: file:line:col: message"}; loads nothing
//   POST /api/backup {"dir": ABSOLUTE_PATH} (spime's own; POST only) → {"dir", "sequence",
//        "ms"} once DIR holds a consistent copy of the data directory
//        (EngineApi::backup); 400 bad path, 409 it exists, 503 one runs
//   POST /api/cluster/slots/:slot/:step (spime's own; owner only): a step of
//        a slot's move between cluster nodes, export | import | release |
//        unseal (EngineApi::export_slot ...; import's body is export's
//        answer, sent as application/x-spime-slot (not parsed), up to
//        HttpServerOptions::max_slot_records_bytes)
//   POST /api/cluster/picos/:pico/:step[?slot=S] (spime's own; owner only):
//        a step of one pico's move, locate | export | import | release |
//        unseal (EngineApi::pico_move_step; import's body is export's
//        answer, as for a slot)
//   GET  /c/:eci/stream[?domain=D&type=T] (spime's own) → Server-Sent Events:
//        the pico's events (EngineApi::watch), `Last-Event-ID` (header, or
//        the `lastEventId` parameter) resumes after that id; answered by the
//        session as a stream (stream_request below), not by dispatch()
// `.txt`/`.html` answer the (string) value as text/plain or text/html.
// GET / and /dashboard/...: the dashboard (dashboard_routes.h), asked first.
// Paths match case-insensitively with an optional trailing slash, parameters
// are percent-decoded (a bad escape is a 400), as Express does. OPTIONS on
// any path is the CORS preflight; anything else is 404 {"error": ...}.
// The body is parsed before routing (as the reference's body-parser
// middleware), so a malformed JSON body is a 400 on any path.
//
// Thread-safety: dispatch() may run on many threads at once; it keeps no state.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/http_response.h"
#include "engine/api/engine_api.h"

namespace spime::channels {

// A request as the routes need it; views into the caller's storage, which
// only has to live until dispatch() returns.
struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query: "/sky/cloud/e/r/f?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string_view content_type;
  std::string_view body;
  bool has_body = false;  // Content-Length or Transfer-Encoding was sent
  // The peer's address is a loopback one (127/8, ::1, or 127/8 mapped to IPv6).
  bool from_loopback = false;
  // The server checks the owner's token (owner_guard.h): the dashboard's
  // files may go to any peer.
  bool owner_guarded = false;
};

using Reply = std::function<void(Response)>;

// Routes `request`: answers through `reply` exactly once, either inline or
// later from an engine thread. If the engine drops its callback without
// calling it, or the route throws before answering, `reply` gets a 500 (the
// exception still propagates to the caller, which only logs it).
void dispatch(const Request& request, api::EngineApi& engine, Reply reply);

// Whether `request` is GET /c/:eci/stream: then true with *watch filled, or
// true with *error set (400: a bad escape, a Last-Event-ID that is not a
// whole number) to answer instead. False: not a stream; dispatch() it.
bool stream_request(const Request& request, api::WatchRequest* watch, Response* error);

// The ECI a pico route's path names: /c/:eci/..., /sky/event/:eci/...,
// /sky/cloud/:eci/... (literal segments matched as the routes match them),
// percent-decoded, into *eci; what a cluster node routes by (slot_gate.h).
// False for any other path, and for an ECI with a bad escape (the route
// answers that 400 itself).
bool eci_of_target(std::string_view target, std::string* eci);

}  // namespace spime::channels
