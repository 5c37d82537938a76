// `spime serve`'s exposure flags: TLS, the owner's token, --insecure and the
// http module's allow-list (--http-allow), and the rule that ties them:
// listening beyond loopback needs TLS and a token unless --insecure says
// otherwise.
//
//   --tls-cert FILE --tls-key FILE   PEM (channels/server_tls.h); both or neither
//   --owner-token-file FILE          the owner's token: the file's first line
//                                    (channels/owner_guard.h says what it guards)
//   --insecure                       beyond loopback without TLS or a token
//   --http-allow HOST[:PORT]|CIDR    destinations the http module may reach
//                                    although refused by default (repeatable;
//                                    engine/runtime/outbound/destination_guard.h)
//
// The token file is refused (an error naming it) when it cannot be read,
// when its first line is shorter than kMinTokenLength characters or holds
// anything but printable ASCII without spaces, or when group or others may
// read or write it (mode & 077: chmod 600 it, as ssh does its keys).
//
// Thread-safety: the functions run on `spime serve`'s main thread, in this
// order: add_security_options (at parse time), prepare_security (before the
// engine opens), protect_owner (once it is open), after_listen (once the
// server listens). Errors are returned as one line for "spime serve: ...".
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "channels/http_server.h"

namespace spime::runtime {
class Engine;
}

namespace spime::cli {

constexpr std::size_t kMinTokenLength = 32;

struct SecurityOptions {
  std::string tls_cert;
  std::string tls_key;
  std::string owner_token_file;
  bool insecure = false;
  std::vector<std::string> http_allow;
};

void add_security_options(CLI::App* serve, SecurityOptions* o);

// Checks the exposure rule and the files, and fills `http` (TLS files, the
// token) and the http module's guard (loopback and link-local refused, the
// allow-list applied). "" or why `spime serve` must not start.
std::string prepare_security(const SecurityOptions& o, channels::HttpServerOptions* http);

// The root's owner and UI channels are the ones the token guards.
void protect_owner(const runtime::Engine& engine, channels::HttpServerOptions* http);

// The guard learns the engine's own listening address; answers the base
// URL to print ("https://host:port" with TLS).
std::string after_listen(const SecurityOptions& o, const channels::HttpServerOptions& http,
                         unsigned short port);

// The token in `path` (its first line), checked as above; false + *error.
bool read_owner_token(const std::string& path, std::string* token, std::string* error);

}  // namespace spime::cli
