// The options of `spime devices simulate`: their check, and where the url
// comes from. The CLI11 side is simulate_options.cpp; run_simulate checks
// again, so a caller filling SimulateOptions by hand gets the same refusals.
#pragma once

#include <string>

#include "channels/client/http_client.h"
#include "devices/mqtt_topics.h"
#include "devices/simulate.h"

namespace spime::devices {

// Bounds of the options (beyond them the run is refused as bad usage).
constexpr int kMaxDevices = 1000000;  // sim-device-0001 .. -1000000
constexpr int kMaxCollections = 99;   // sim-collection-01 .. -99
constexpr int kMaxConnections = 256;
constexpr double kMaxDurationSeconds = 24 * 3600;
constexpr double kMaxRate = 1e6;
constexpr double kMaxIntervalSeconds = 3600;
constexpr double kMaxSettleSeconds = 600;
constexpr double kMaxRequestTimeoutSeconds = 3600;

constexpr const char* kDefaultUrl = "http://127.0.0.1:3000";

// Checks `*options` and fills in what is left to defaults: the url (from
// $SPIME_URL, else kDefaultUrl), parsed into *url and refused unless its
// host is loopback (this is a load tool). "" when fine, else a one-line
// reason (a usage error). With --protocol mqtt, --mqtt is required, must be
// mqtt://HOST[:PORT] on loopback, and is parsed into *broker (when given).
std::string check_options(SimulateOptions* options, client::Url* url, MqttUrl* broker = nullptr);

// "100", "100/s", "2.5/s" as heartbeats per second; false when not a
// positive number.
bool parse_rate(const std::string& text, double* rate);

}  // namespace spime::devices
