// JsonFormatter: spdlog's formatter for `--log-format json` (log.h): each
// message as one JSON object on one line,
//   {"time": "2026-12-06T18:04:26.123Z", "level": "info", "msg": "...",
//    "pico": "...", "eid": "..."}
// with `pico` and `eid` from the writing thread's Scope (log.h) when it has
// them. The message is escaped as JSON strings are; bytes that are not UTF-8
// become U+FFFD.
//
// Thread-safety: format() reads the calling thread's Scope, so it must run
// on the thread that wrote the line: spdlog's synchronous loggers do (an
// asynchronous logger would format on its own thread: not for this one).
#pragma once

#include <memory>

#include <spdlog/formatter.h>

namespace spime::logging {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace spime::logging
