// The broker address `spime serve --mqtt` takes: mqtt://HOST[:PORT] (plain
// TCP, port 1883 by default) or mqtts://HOST[:PORT] (TLS, 8883 by default).
// HOST is a name or an IPv4 address, or an IPv6 address in brackets. Nothing
// else is accepted (no user, path or query: credentials do not go in a URL
// that ends up in logs).
//
// Thread-safety: a free function on values.
#pragma once

#include <string>
#include <string_view>

namespace spime::mqtt {

struct BrokerAddress {
  std::string host;  // without brackets
  int port = 1883;
  bool tls = false;
};

// False with *error saying why when `url` is not such an address.
bool parse_broker_url(std::string_view url, BrokerAddress* out, std::string* error);

}  // namespace spime::mqtt
