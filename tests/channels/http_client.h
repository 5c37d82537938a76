// The HTTP server tests' client: spime::client::HttpClient to 127.0.0.1,
// connected at once (so that a test can hold an idle connection), with the
// two shorthands the tests use most. Hostile input goes through the
// library's raw helpers (send_raw, read_response, closed_by_server).
#pragma once

#include <stdexcept>
#include <string>

#include "channels/client/http_client.h"

namespace spime::channels::testing {

using spime::client::Response;

class HttpClient : public spime::client::HttpClient {
 public:
  // Throws when nothing listens on `port`.
  explicit HttpClient(unsigned short port)
      : spime::client::HttpClient(spime::client::Url{"127.0.0.1", port, ""}) {
    if (std::string error = connect(); !error.empty())
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + error);
  }

  Response get(const std::string& target) { return request("GET", target); }
  Response post_json(const std::string& target, const std::string& json) {
    return request("POST", target, json, {{"Content-Type", "application/json"}});
  }
};

}  // namespace spime::channels::testing
