// provision: build a fleet of ESProto device picos under the owner pico.
//
// For i in 1..count, a child of the owner named device-%04d carrying
// esproto_router and esproto_device, with the temperature threshold
// upper 80 / lower 60. Children that already exist by name are reused, and a
// child whose thresholds are already set is left as it is, so a second run
// only does what the first did not finish. Writes one child ECI per line, in
// name order, to out_path. Every wait is bounded.
#ifndef SPIME_DEVICES_PROVISION_H_
#define SPIME_DEVICES_PROVISION_H_

#include <string>

#include "channels/client/http_client.h"

namespace spime::devices {

struct ProvisionOptions {
  client::Url url;  // a loopback host (fleet_main checks)
  std::string owner_eci;
  int count = 0;
  std::string out_path;
  std::string rulesets_dir;  // absolute; holds esproto_router.krl and esproto_device.krl
};

// Returns the process exit status: 0 when every device is ready.
int run_provision(const ProvisionOptions& options);

// "device-0001" for 1.
std::string device_name(int index);

}  // namespace spime::devices

#endif  // SPIME_DEVICES_PROVISION_H_
