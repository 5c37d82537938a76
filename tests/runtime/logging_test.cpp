// engine/logging/: the JSON line format (JsonFormatter), scopes and the
// shortening of ECIs.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <spdlog/details/log_msg.h>
#include <nlohmann/json.hpp>

#include "engine/logging/json_formatter.h"
#include "engine/logging/log.h"

namespace logging = spime::logging;
using nlohmann::json;

namespace {

// The line JsonFormatter writes for `message`, newline included.
std::string line(std::string_view message, spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "spime", level,
                               spdlog::string_view_t(message.data(), message.size()));
  msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1700000000123));
  spdlog::memory_buf_t out;
  logging::JsonFormatter().format(msg, out);
  std::string text(out.data(), out.size());
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  CHECK(text.find('\n') == text.size() - 1);  // one line
  return text;
}

json format(std::string_view message, spdlog::level::level_enum level = spdlog::level::info) {
  return json::parse(line(message, level));
}

}  // namespace

TEST_CASE("logging: a JSON line has time, level and msg, in that order", "[logging]") {
  CHECK(line("hello \"world\"\nnext", spdlog::level::warn) ==
        R"({"time":"2023-11-14T22:13:20.123Z","level":"warn","msg":"hello \"world\"\nnext"})"
        "\n");
  CHECK(format("x", spdlog::level::err)["level"] == "error");
  CHECK(format("x", spdlog::level::debug)["level"] == "debug");
  // Bytes that are not UTF-8 do not break the line.
  CHECK(format("bad \xff byte")["msg"] == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("logging: a scope names the pico and the event, and nests", "[logging]") {
  CHECK_FALSE(format("x").contains("pico"));
  {
    logging::Scope outer("pico-a", "eid-1");
    json j = format("x");
    CHECK(j["pico"] == "pico-a");
    CHECK(j["eid"] == "eid-1");
    {
      logging::Scope inner("pico-b");
      json k = format("x");
      CHECK(k["pico"] == "pico-b");
      CHECK_FALSE(k.contains("eid"));
    }
    CHECK(format("x")["pico"] == "pico-a");
  }
  CHECK_FALSE(format("x").contains("pico"));
}

TEST_CASE("logging: ECIs shortened, levels and formats parsed", "[logging]") {
  CHECK(logging::short_eci("Xk3_9aQwErTy") == "Xk3_9a\u2026");
  CHECK(logging::short_eci("abc") == "abc");
  CHECK(logging::shorten_eci_in("ECI not found Xk3_9aQwErTy (Xk3_9aQwErTy)", "Xk3_9aQwErTy") ==
        "ECI not found Xk3_9a\u2026 (Xk3_9a\u2026)");
  logging::Level level = logging::Level::kInfo;
  CHECK(logging::parse_level("warn", &level));
  CHECK(level == logging::Level::kWarn);
  CHECK_FALSE(logging::parse_level("loud", &level));
  logging::Format format_ = logging::Format::kText;
  CHECK(logging::parse_format("json", &format_));
  CHECK(format_ == logging::Format::kJson);
  CHECK_FALSE(logging::parse_format("xml", &format_));
}
