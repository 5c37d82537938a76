// HTTP responses as the routes produce them, before they meet Beast.
//
// Every error is JSON {"error": "..."} with a real status (the reference
// answers errors with 200; spime uses 4xx/5xx with the same body, on purpose).
// Every response carries the reference's CORS headers; OPTIONS on any path is
// the reference's preflight answer (200, empty body).
//
// Thread-safety: plain values and free functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/krl/value.h"

namespace spime::channels {

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  // Extra headers (Set-Cookie, Location, Retry-After, Allow...), in order.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Headers every response carries (server.ts's first middleware).
const std::vector<std::pair<std::string, std::string>>& cors_headers();

// 200 with `value` as JSON (Express's res.json); a 500 error when `value`
// cannot be encoded (never throws).
Response json_response(const krl::Value& value, int status = 200);

// `status` with {"error": message}. A 503 also carries `Retry-After: 1`.
// `message` starts with a JavaScript error name as the reference prints it
// ("TypeError: ...", "SyntaxError: ..."), or comes from error_text.
Response error_response(int status, std::string_view message);

// "Error: <message>": the reference's text of a plain JavaScript Error, the
// one place that prefix is written.
std::string error_text(std::string_view message);

// The HTTP status of an engine Status code (the table in engine/api/status.h).
int http_status(api::Status::Code code);

// An engine's refusal as a response: its code's HTTP status and
// {"error": "Error: <message>"} (plus "path" for an attribute-schema refusal;
// a 503 carries `Retry-After: 1`, a 429 the status's retry_after_ms in
// whole seconds, rounded up).
// The one place where the engine's Status meets HTTP.
Response status_response(const api::Status& status);

// The answer to OPTIONS on any path.
Response options_response();

}  // namespace spime::channels
