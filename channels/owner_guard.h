// The owner's credential at the HTTP door (`spime serve --owner-token-file`).
//
// With an owner token set, these requests need `Authorization: Bearer
// <token>`, else 401 {"error": ...} with `WWW-Authenticate: Bearer`:
//   - /api/... (ui-context names the owner's UI ECI; flush, outbox, clock,
//     prototypes act for the owner) and /metrics (the engine's vitals);
//   - any route that names one of the owner's ECIs (the root's owner channel
//     and its UI channel): /c/<eci>/..., /sky/event/<eci>/...,
//     /sky/cloud/<eci>/..., matched as routes.cpp matches them (a case-
//     insensitive prefix, the ECI segment percent-decoded).
// Not guarded: OPTIONS (the CORS preflight carries no credentials), the
// dashboard's static files (/, /dashboard/...: code, no data; the page asks
// for the token and sends it on its calls), and every other channel, whose
// ECI is its own credential, as in the reference.
//
// The token is compared in constant time (CRYPTO_memcmp over equal
// lengths; a length mismatch fails without looking at the bytes). ECIs are
// compared as plain strings here: the request names them (they are not
// secret from the requester), and the engine finds a channel by hash lookup.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/http_response.h"

namespace spime::channels {

// Whether a request for `target` (path and query) with `method` needs the
// owner's token, given the owner's ECIs.
bool needs_owner_token(std::string_view method, std::string_view target,
                       const std::vector<std::string>& owner_ecis);

// Whether `headers` carry `Authorization: Bearer <token>` with exactly `token`.
bool carries_owner_token(const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& token);

// Constant-time equality of two secrets (length leaks, contents do not).
bool same_secret(std::string_view a, std::string_view b);

// 401 {"error": "Error: this route needs the owner's token ..."} with
// `WWW-Authenticate: Bearer`.
Response owner_token_refusal();

}  // namespace spime::channels
