// ECIs shortened in request lines. See serve_log.h.
#include "cli/serve_log.h"

#include "engine/logging/log.h"

namespace spime::cli {

namespace {

// Where an ECI starts: after one of these (a path segment or a parameter).
constexpr std::string_view kBefore[] = {"/sky/event/", "/sky/cloud/", "/c/", "?eci=", "&eci="};

bool ends_eci(char c) {
  return c == '/' || c == '?' || c == '&' || c == ' ' || c == '#';
}

}  // namespace

std::string shorten_request_ecis(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  size_t at = 0;
  while (at < line.size()) {
    size_t next = std::string_view::npos;
    size_t marker = 0;
    for (std::string_view m : kBefore) {
      size_t found = line.find(m, at);
      if (found < next) {
        next = found;
        marker = m.size();
      }
    }
    if (next == std::string_view::npos) break;
    const size_t start = next + marker;
    size_t end = start;
    while (end < line.size() && !ends_eci(line[end])) ++end;
    out.append(line.substr(at, start - at));
    out += logging::short_eci(line.substr(start, end - start));
    at = end;
  }
  out.append(line.substr(at));
  return out;
}

}  // namespace spime::cli
