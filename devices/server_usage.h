// The engine's own costs, read from /proc when --server-pid names it (the
// simulator reads nothing of a process it was not pointed at): resident
// memory, and user + system CPU time, so that a run can say what a
// heartbeat cost the server.
#pragma once

#include <optional>

namespace spime::devices {

struct ServerUsage {
  double rss_mb = 0;       // VmRSS
  double cpu_seconds = 0;  // utime + stime
};

// nullopt when the process cannot be read (gone, not ours to read, no /proc).
std::optional<ServerUsage> read_server_usage(long pid);

}  // namespace spime::devices
