// HaproxyRuntime: commands to HAProxy's runtime API over its stats socket
// (`stats socket ipv4@HOST:PORT level admin`), as `socat` would send them:
// one connection per command, the text sent, HAProxy's answer read until it
// closes. The route syncer (route_sync.h) keeps the router's maps with it.
//
// Contract:
//   - command() sends `text` (one line, commands may be chained with ';'),
//     or a command with a payload (its lines, then an empty line), and
//     answers HAProxy's reply. Connect, send and receive together take at
//     most the timeout. kUnavailable when HAProxy cannot be reached or does
//     not answer in time.
//   - replace_map() swaps a whole map atomically: `prepare map`, the entries
//     added to the new version in payloads of at most kPayloadBytes, then
//     `commit map`. kInvalidArgument with HAProxy's words when it refuses
//     (an unknown map: the map must be named in HAProxy's configuration);
//     on any failure the map in use is unchanged.
//   - show_map() reads a map's entries.
//
// Thread-safety: each call is independent (no state but the address).
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "engine/api/status.h"

namespace spime::cluster {

class HaproxyRuntime {
 public:
  // HAProxy's answer to a payload is bounded by its buffer (tune.bufsize,
  // 16 KiB by default): entries go in payloads this large at most.
  static constexpr std::size_t kPayloadBytes = 8 * 1024;

  HaproxyRuntime(std::string host, unsigned short port,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  // Reads "HOST:PORT" (--haproxy); false + *error.
  static bool parse_address(const std::string& text, std::string* host, unsigned short* port,
                            std::string* error);

  api::Status command(const std::string& text, std::string* answer);
  api::Status replace_map(const std::string& map,
                          const std::map<std::string, std::string>& entries);
  api::Status show_map(const std::string& map, std::map<std::string, std::string>* entries);

 private:
  std::string host_;
  unsigned short port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace spime::cluster
