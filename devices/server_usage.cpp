#include "devices/server_usage.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace spime::devices {

std::optional<ServerUsage> read_server_usage(long pid) {
  if (pid <= 0) return std::nullopt;
  const std::string dir = "/proc/" + std::to_string(pid);
  ServerUsage u;
  std::ifstream status(dir + "/status");
  if (!status) return std::nullopt;
  bool found = false;
  for (std::string line; std::getline(status, line);) {
    if (line.compare(0, 6, "VmRSS:") == 0) {
      u.rss_mb = std::stod(line.substr(6)) / 1024;  // "VmRSS:   123456 kB"
      found = true;
    }
  }
  std::ifstream stat(dir + "/stat");
  std::string text;
  if (!found || !std::getline(stat, text)) return std::nullopt;
  // After "pid (comm) ": field 3 is the state; utime and stime are 14 and 15.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && (rest >> field); ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  const long hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) return std::nullopt;
  u.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(hz);
  return u;
}

}  // namespace spime::devices
