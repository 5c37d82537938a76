// The options of `spime devices hold`: their bounds and check, and where the
// url comes from. The CLI11 side is hold_options.cpp; run_hold checks again,
// so a caller filling HoldOptions by hand gets the same refusals.
#pragma once

#include <string>

#include "channels/client/http_client.h"
#include "devices/hold.h"

namespace spime::devices {

// Bounds of the options (beyond them the run is refused as bad usage).
constexpr int kMaxHoldConnections = 20000;
constexpr int kMaxHoldDevices = 100000;  // lines of --ecis
constexpr int kMinRamp = 10;             // connections opened per second
constexpr int kMaxRamp = 100000;
constexpr double kMinHoldInterval = 0.001;  // seconds
constexpr double kMaxHoldInterval = 3600;
constexpr double kMaxHoldDuration = 24 * 3600;
constexpr double kMaxHoldRequestTimeout = 600;
// File descriptors the tool keeps for itself besides its connections.
constexpr int kSpareDescriptors = 64;

// Checks `*options` and fills in what is left to defaults: the url (from
// $SPIME_URL, else http://127.0.0.1:3000), parsed into *url and refused
// unless its host is loopback (this is a load tool), --cafile (it must load
// as PEM certificates) and the token (--token-file, else $SPIME_TOKEN, into
// options->token: client::apply_credentials), and --connections against the
// process's open-files limit. "" when fine, else a one-line reason (a usage
// error).
std::string check_hold_options(HoldOptions* options, client::Url* url);

}  // namespace spime::devices
