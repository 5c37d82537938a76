#include "engine/cluster/haproxy_config.h"

namespace spime::cluster {

std::string haproxy_config(const HaproxyConfigOptions& o) {
  const std::string seconds = "s\n";
  std::string c;
  c += "# spime's cluster router (docs/cluster.md); written by `spime cluster haproxy-config`.\n";
  c += "global\n";
  c += "    stats socket ipv4@" + o.stats + " level admin\n";
  c += "defaults\n";
  c += "    mode http\n";
  c += "    timeout connect " + std::to_string(o.connect_timeout_s) + seconds;
  c += "    timeout client " + std::to_string(o.client_timeout_s) + seconds;
  c += "    timeout server " + std::to_string(o.server_timeout_s) + seconds;
  c += "frontend router\n";
  c += "    bind " + o.listen + "\n";
  c +=
      "    http-request set-var(txn.eci) path,field(4,/) if { path_beg /sky/event/ /sky/cloud/ }\n";
  c += "    http-request set-var(txn.eci) path,field(3,/) if { path_beg /c/ }\n";
  c += "    http-request set-var(txn.addr) var(txn.eci),map_str(" + o.overrides_map + ")\n";
  c += "    acl slotted var(txn.eci) -m reg " + std::string(kSlottedEciPattern) + "\n";
  c += "    http-request set-var(txn.addr) var(txn.eci),bytes(0,3),map_str(" + o.slots_map +
       ") if !{ var(txn.addr) -m found } slotted\n";
  c += "    http-request set-var(txn.addr) str(000),map_str(" + o.slots_map +
       ") if !{ var(txn.addr) -m found } !slotted\n";
  c += "    http-request return status 503 content-type application/json string "
       "'{\"error\":\"no engine serves this slot\"}' hdr Retry-After 1 if !{ var(txn.addr) -m "
       "found }\n";
  c += "    default_backend engines\n";
  c += "backend engines\n";
  c += "    http-request set-dst var(txn.addr),field(1,:)\n";
  c += "    http-request set-dst-port var(txn.addr),field(2,:)\n";
  c += "    server any 0.0.0.0:0\n";
  return c;
}

}  // namespace spime::cluster
