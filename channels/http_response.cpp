// JSON bodies, error bodies and CORS headers. See http_response.h.
#include "channels/http_response.h"

#include <algorithm>
#include <cstdint>

namespace spime::channels {

const std::vector<std::pair<std::string, std::string>>& cors_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Access-Control-Allow-Origin", "*"},
      // The reference's, and Authorization for the owner's token (--owner-token-file).
      {"Access-Control-Allow-Headers",
       "Origin, X-Requested-With, Content-Type, Accept, Authorization"},
  };
  return kHeaders;
}

Response json_response(const krl::Value& value, int status) {
  Response r;
  r.status = status;
  try {
    r.body = krl::encode_json(value);
  } catch (const std::exception& e) {
    // A value JSON cannot hold (nested too deeply): an error, not a throw
    // on whichever thread answers.
    r.status = 500;
    r.body = krl::encode_json(krl::Value(krl::Map{
        {"error", krl::Value(error_text(std::string("cannot encode the answer: ") + e.what()))}}));
  }
  return r;
}

Response error_response(int status, std::string_view message) {
  Response r = json_response(krl::Value(krl::Map{{"error", krl::Value(message)}}), status);
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::string error_text(std::string_view message) {
  return "Error: " + std::string(message);
}

int http_status(api::Status::Code code) {
  using Code = api::Status::Code;
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnavailable:
      return 503;
    case Code::kRateLimited:
      return 429;
    case Code::kRuleError:
    case Code::kInternal:
      return 500;
    case Code::kStorageFull:
      return 507;
  }
  return 500;
}

Response status_response(const api::Status& status) {
  // The reference prints a JavaScript Error: "Error: ECI not found abc".
  krl::Map body{{"error", krl::Value(error_text(status.message()))}};
  if (!status.pointer().empty()) body.set("path", status.pointer());
  Response r = json_response(krl::Value(std::move(body)), http_status(status.code()));
  if (r.status == 503 || r.status == 507) r.headers.emplace_back("Retry-After", "1");
  if (r.status == 429) {
    // Whole seconds (RFC 9110 10.2.3), rounded up, at least 1.
    const std::int64_t seconds = std::max<std::int64_t>(1, (status.retry_after_ms() + 999) / 1000);
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
  }
  return r;
}

Response options_response() {
  Response r;
  r.content_type.clear();
  r.headers = {{"Allow", "POST, GET, OPTIONS"},
               {"Access-Control-Allow-Methods", "POST, GET, OPTIONS"}};
  return r;
}

}  // namespace spime::channels
