// children: a load of pico creations under one parent, timed per thousand.
//
// Sends `count` wrangler:new_child_request events (names child-000001, ...)
// to the parent behind `parent_eci`, one at a time on one keep-alive
// connection, and prints after every `report_every` children the time per
// child over that stretch (ms), so a cost that grows with the number of
// siblings shows. Every request is bounded by the client's timeout; the first
// failure stops the run (exit 1).
#ifndef SPIME_DEVICES_CHILDREN_H_
#define SPIME_DEVICES_CHILDREN_H_

#include <string>

#include "channels/client/http_client.h"

namespace spime::devices {

struct ChildrenOptions {
  client::Url url;  // a loopback host (fleet_main checks)
  std::string parent_eci;
  int count = 0;
  int report_every = 1000;
};

int run_children(const ChildrenOptions& options);

}  // namespace spime::devices

#endif  // SPIME_DEVICES_CHILDREN_H_
