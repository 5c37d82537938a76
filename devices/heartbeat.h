// heartbeat: a simple ESProto device simulator.
//
// Every device (one ECI per line of ecis_path) posts `count` wovyn:heartbeat
// events; device d's r-th heartbeat carries payload (d + r) mod P, so the
// payloads rotate. `connections` threads each own one keep-alive connection
// and a fixed share of the devices. A response counts as good when it is a
// 200 whose JSON body has a "directives" array; the summary gives good and
// bad counts, directives by name, throughput and latency percentiles.
// A connection gives up after kMaxConsecutiveErrors transport errors in a row.
#ifndef SPIME_DEVICES_HEARTBEAT_H_
#define SPIME_DEVICES_HEARTBEAT_H_

#include <string>
#include <vector>

#include "channels/client/http_client.h"

namespace spime::devices {

struct HeartbeatOptions {
  client::Url url;  // a loopback host (fleet_main checks)
  std::string ecis_path;
  int count = 1;
  int connections = 1;
  std::vector<std::string> payload_paths;  // at least one
};

constexpr int kMaxConsecutiveErrors = 20;
constexpr long long kMaxTotalHeartbeats = 10'000'000;

// Returns the process exit status: 0 when every heartbeat got a good answer.
int run_heartbeat(const HeartbeatOptions& options);

}  // namespace spime::devices

#endif  // SPIME_DEVICES_HEARTBEAT_H_
