#include "channels/mqtt/mqtt_url.h"

#include <cctype>

namespace spime::mqtt {

bool parse_broker_url(std::string_view url, BrokerAddress* out, std::string* error) {
  BrokerAddress a;
  std::string_view rest;
  if (url.rfind("mqtt://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("mqtts://", 0) == 0) {
    rest = url.substr(8);
    a.tls = true;
    a.port = 8883;
  } else {
    *error = "the broker url must start with mqtt:// or mqtts://";
    return false;
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      *error = "the broker url's IPv6 address has no closing ']'";
      return false;
    }
    a.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        *error = "the broker url has something after its host";
        return false;
      }
      port = after.substr(1);
      if (port.empty()) {
        *error = "the broker url's port is empty";
        return false;
      }
    }
  } else {
    const std::size_t colon = rest.find(':');
    a.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) {
        *error = "the broker url's port is empty";
        return false;
      }
    }
  }
  if (a.host.empty()) {
    *error = "the broker url has no host";
    return false;
  }
  for (char c : a.host) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '.' && c != '-' && c != '_' && c != ':') {
      *error =
          "the broker url's host may hold only letters, digits, '.', '-', '_' (and ':' "
          "in brackets); no user, path or query";
      return false;
    }
  }
  if (!port.empty()) {
    long n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || n > 65535) {
        *error = "the broker url's port must be a number in 1..65535";
        return false;
      }
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) {
      *error = "the broker url's port must be a number in 1..65535";
      return false;
    }
    a.port = static_cast<int>(n);
  }
  *out = std::move(a);
  return true;
}

}  // namespace spime::mqtt
