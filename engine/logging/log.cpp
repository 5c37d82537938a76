// spdlog behind spime's log lines. See log.h.
#include "engine/logging/log.h"

#include <memory>
#include <utility>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "engine/logging/json_formatter.h"

namespace spime::logging {

namespace {

thread_local std::string_view t_pico;
thread_local std::string_view t_eid;

spdlog::level::level_enum spdlog_level(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// The text format: the message alone, as spime's lines always were.
std::unique_ptr<spdlog::formatter> text_formatter() {
  return std::make_unique<spdlog::pattern_formatter>("%v");
}

// Made at first use (not registered in spdlog's global registry), text at info.
spdlog::logger& logger() {
  static spdlog::logger* the = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto* l = new spdlog::logger("spime", std::move(sink));  // lives as long as the process
    l->set_formatter(text_formatter());
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *the;
}

}  // namespace

bool parse_format(std::string_view text, Format* out) {
  if (text == "text") {
    *out = Format::kText;
  } else if (text == "json") {
    *out = Format::kJson;
  } else {
    return false;
  }
  return true;
}

bool parse_level(std::string_view text, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == level_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void configure(Format format, Level level) {
  spdlog::logger& l = logger();
  if (format == Format::kJson) {
    l.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    l.set_formatter(text_formatter());
  }
  l.set_level(spdlog_level(level));
}

void write(Level level, std::string_view message) {
  logger().log(spdlog_level(level), spdlog::string_view_t(message.data(), message.size()));
}

Scope::Scope(std::string_view pico, std::string_view eid) : saved_pico_(t_pico), saved_eid_(t_eid) {
  t_pico = pico;
  t_eid = eid;
}

Scope::~Scope() {
  t_pico = saved_pico_;
  t_eid = saved_eid_;
}

std::string_view scope_pico() {
  return t_pico;
}

std::string_view scope_eid() {
  return t_eid;
}

std::string short_eci(std::string_view eci) {
  constexpr size_t kShown = 6;
  if (eci.size() <= kShown) return std::string(eci);
  return std::string(eci.substr(0, kShown)) + "\u2026";
}

std::string shorten_eci_in(std::string text, std::string_view eci) {
  const std::string shown = short_eci(eci);
  if (eci.empty() || shown == eci) return text;
  for (size_t at = text.find(eci); at != std::string::npos;
       at = text.find(eci, at + shown.size())) {
    text.replace(at, eci.size(), shown);
  }
  return text;
}

}  // namespace spime::logging
