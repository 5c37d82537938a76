#include "devices/ledger.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

namespace spime::devices {

Ledger::~Ledger() {
  if (file_) std::fclose(file_);
}

std::string Ledger::open(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_) std::fclose(file_);
  path_ = path;
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) return "--ledger: cannot open " + path + ": " + std::strerror(errno);
  return "";
}

bool Ledger::write(const LedgerLine& l) {
  nlohmann::json j = {{"device", l.device},        {"sent_eid", l.sent_eid},
                      {"timestamp", l.timestamp},  {"acknowledged", l.acknowledged},
                      {"status", l.status},        {"readings", l.readings},
                      {"violations", l.violations}};
  if (l.acknowledged) j["eid"] = l.eid;
  const std::string text = j.dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (!file_ || !error_.empty()) return false;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    error_ = "--ledger: writing " + path_ + ": " + std::strerror(errno);
    return false;
  }
  ++lines_;
  return true;
}

std::int64_t Ledger::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

std::string Ledger::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::string iso_millis(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string with_timestamp(const std::string& body, const std::string& timestamp) {
  // An object with at least one member: the timestamp goes before it.
  if (body.size() < 3 || body[0] != '{' || body[1] == '}') return body;
  std::string out;
  out.reserve(body.size() + timestamp.size() + 16);
  out += "{\"timestamp\":\"";
  out += timestamp;
  out += "\",";
  out.append(body, 1, std::string::npos);
  return out;
}

}  // namespace spime::devices
