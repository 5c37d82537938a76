// The router's HAProxy configuration (docs/cluster.md, "Routing with
// HAProxy"): the one place its text is written. `spime cluster
// haproxy-config` prints it; scripts/cluster.sh and the route-sync test run
// HAProxy with it; `spime cluster route-sync` keeps its two maps current.
//
// What it does: the ECI is read from the path (/sky/event/<eci>/...,
// /sky/cloud/<eci>/..., /c/<eci>/...); the overrides map by the whole ECI,
// else the slots map by a slotted ECI's first 3 characters, else (no slot)
// the owner of slot 000, gives "HOST:PORT", and the request goes there
// (set-dst, so a new engine needs no reload). No entry: 503 with
// Retry-After. Other paths have no ECI and get the 503 too: the router
// serves the pico routes only.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

namespace spime::cluster {

struct HaproxyConfigOptions {
  std::string listen;         // "127.0.0.1:4100": where clients reach the router
  std::string stats;          // "127.0.0.1:4109": the runtime API, level admin (IPv4)
  std::string slots_map;      // the maps' files, as route-sync is told them
  std::string overrides_map;  //
  int connect_timeout_s = 2;
  int client_timeout_s = 30;
  int server_timeout_s = 30;
};

// A slotted ECI as HAProxy's regex reads it (cluster/slots.h's slot_of_eci).
inline constexpr char kSlottedEciPattern[] = "^[0-9a-f]{3}[A-Za-z0-9_-]{22}$";

std::string haproxy_config(const HaproxyConfigOptions& o);

}  // namespace spime::cluster
