// JSON bodies, error bodies and CORS headers. See http_response.h.
#include "channels/http_response.h"

namespace spime::channels {

const std::vector<std::pair<std::string, std::string>>& cors_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders = {
      {"Access-Control-Allow-Origin", "*"},
      {"Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept"},
  };
  return kHeaders;
}

Response json_response(const krl::Value& value, int status) {
  Response r;
  r.status = status;
  r.body = krl::encode_json(value);
  return r;
}

Response error_response(int status, std::string_view message) {
  Response r = json_response(krl::Value(krl::Map{{"error", krl::Value(message)}}), status);
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response engine_error_response(const EngineError& error) {
  const int status = error.status >= 400 && error.status <= 599 ? error.status : 500;
  return error_response(status, error.message);
}

Response options_response() {
  Response r;
  r.content_type.clear();
  r.headers = {{"Allow", "POST, GET, OPTIONS"},
               {"Access-Control-Allow-Methods", "POST, GET, OPTIONS"}};
  return r;
}

}  // namespace spime::channels
