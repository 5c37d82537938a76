// Logging: the one way spime writes a log line (to stderr), through spdlog.
//
// Two formats (`spime serve --log-format text|json`):
//   text  the message alone, one line each, as spime always wrote them;
//   json  one JSON object per line (json_formatter.h):
//           {"time": "2026-12-06T18:04:26.123Z", "level": "info",
//            "msg": "...", "pico": "<pico id>", "eid": "<event id>"}
//         `time` is UTC with milliseconds; `pico` and `eid` appear when the
//         line is written inside a Scope that names them.
// Levels, lowest first: debug, info, warn, error (`--log-level`, default
// info); a line below the level is not written (nor formatted).
//
// ECIs are capabilities: a line at info and above names one by short_eci()
// only; a full ECI belongs at debug at most.
//
// The runtime and the HTTP layer do not call this module for their lines:
// they take a log callback (EngineOptions::log, HttpServerOptions::log) and
// `spime serve` points it here, at info. The runtime only opens Scopes.
//
// Thread-safety: configure() once at start, before other threads log; every
// other function from any thread. A Scope is the calling thread's own.
// Errors: none reach the caller (a line that cannot be written is lost).
#pragma once

#include <string>
#include <string_view>

namespace spime::logging {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// "text" / "json"; "debug" / "info" / "warn" / "error". false for anything else.
bool parse_format(std::string_view text, Format* out);
bool parse_level(std::string_view text, Level* out);
const char* level_name(Level level);

// The format and the lowest level written. Before it: text at info.
void configure(Format format, Level level);

void write(Level level, std::string_view message);
inline void debug(std::string_view m) {
  write(Level::kDebug, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, m);
}
inline void warn(std::string_view m) {
  write(Level::kWarn, m);
}
inline void error(std::string_view m) {
  write(Level::kError, m);
}

// The pico (and the event) the calling thread works for, while the Scope
// lives: JSON lines written on this thread meanwhile carry them. Scopes nest
// (a nested call into another pico names that one, then the outer names come
// back). The views must outlive the Scope; empty ones are left out.
class Scope {
 public:
  explicit Scope(std::string_view pico, std::string_view eid = {});
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string_view saved_pico_, saved_eid_;
};

// The calling thread's current scope (empty views outside any).
std::string_view scope_pico();
std::string_view scope_eid();

// An ECI as a log line at info may show it: its first 6 characters and "…"
// (the whole of a shorter one).
std::string short_eci(std::string_view eci);

// `text` with every occurrence of `eci` shortened so (for a message that
// quotes it, e.g. a refusal's "ECI not found <eci>").
std::string shorten_eci_in(std::string text, std::string_view eci);

}  // namespace spime::logging
