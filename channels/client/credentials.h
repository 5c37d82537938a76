// How the tools (the `spime` client commands, the device simulator) get
// what an engine beyond loopback asks of them: the CA file to verify its
// https certificate with, and the owner's token.
//
// apply_credentials() checks that `cafile` (when given) can be read, reads
// the token from `token_file` (its first line; "-" is not special) or, when
// no file is given, from the environment variable SPIME_TOKEN, and puts both
// into *options. False + *error ("--token-file t: cannot read it") when a
// named file cannot be read or the token is empty.
//
// Thread-safety: reads files and the environment; call before threads start.
#pragma once

#include <string>

#include "channels/client/http_client.h"

namespace spime::client {

constexpr const char* kTokenEnvironment = "SPIME_TOKEN";

bool apply_credentials(const std::string& cafile, const std::string& token_file, Options* options,
                       std::string* error);

}  // namespace spime::client
