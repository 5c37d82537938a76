// How `spime serve` writes the HTTP server's lines (engine/logging/log.h):
// the request lines of --log-requests ("POST /sky/event/<eci>/... 200
// 1.234ms") name ECIs in their paths and query strings, and a line at info
// names an ECI by logging::short_eci() only.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace spime::cli {

// `line` with the ECI of every /sky/event/<eci>, /sky/cloud/<eci> and
// /c/<eci> path, and of every eci=<eci> query parameter, shortened.
std::string shorten_request_ecis(std::string_view line);

}  // namespace spime::cli
