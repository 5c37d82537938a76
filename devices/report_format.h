// Number formatting shared by the load tools' reports (summary.cpp for
// `simulate`, hold_summary.cpp for `hold`). Pure functions; any thread.
#pragma once

#include <cstdio>
#include <string>

namespace spime::devices {

// One number through a printf format ("%.1f ms"); at most 63 characters.
inline std::string format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

// Rounded to two decimals, for JSON reports.
inline double round2(double v) {
  return static_cast<double>(static_cast<long long>(v * 100 + 0.5)) / 100;
}

}  // namespace spime::devices
