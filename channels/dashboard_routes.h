// The dashboard's routes, asked before the reference's route table
// (routes.cpp's dispatch):
//   GET /                  → the dashboard (channels/dashboard/index.html);
//                            /dashboard and /dashboard/ too
//   GET /dashboard/<file>  → a file of channels/dashboard/ (dashboard_assets.h)
// The reference serves its own web UI at `/`; spime serves this page there
// instead (nothing else answered GET / before: it was a 404).
//
// Every answer carries the file's ETag and `Cache-Control: no-cache` (the
// browser asks again each time, and a new binary's files are never taken
// for the old ones); If-None-Match naming the ETag is a 304 without a body.
// Refused, JSON {"error"}, nothing served: a peer that is not on a loopback
// address while the server has no owner token → 403 (with a token, the
// files go to any peer: they hold no data, and the page sends the token on
// every call it makes, owner_guard.h); a method other than GET →
// 405 with `Allow: GET`; an unknown file → 404.
//
// Thread-safety: no state; call from any thread.
#pragma once

#include <optional>

#include "channels/http_response.h"
#include "channels/routes.h"

namespace spime::channels {

// The answer when `request` is for the dashboard (the paths above); nullopt
// for any other path.
std::optional<Response> dashboard_response(const Request& request);

}  // namespace spime::channels
