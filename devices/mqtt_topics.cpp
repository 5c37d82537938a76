#include "devices/mqtt_topics.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace spime::devices {

std::string MqttUrl::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "mqtt://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool parse_mqtt_url(const std::string& text, MqttUrl* out, std::string* error) {
  static const std::string kScheme = "mqtt://";
  if (text.compare(0, kScheme.size(), kScheme) != 0) {
    *error = "--mqtt: expected mqtt://HOST[:PORT] (got '" + text + "')";
    return false;
  }
  std::string rest = text.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/@?#") != std::string::npos) {
    *error = "--mqtt: no user, path or query in the broker's url (got '" + text + "')";
    return false;
  }
  MqttUrl url;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      *error = "--mqtt: an IPv6 address without its ']' (got '" + text + "')";
      return false;
    }
    url.host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        *error = "--mqtt: expected ':PORT' after the address (got '" + text + "')";
        return false;
      }
      port = after.substr(1);
      if (port.empty()) port = "?";
    }
  } else {
    const auto colon = rest.find(':');
    url.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) port = "?";
    }
  }
  if (url.host.empty()) {
    *error = "--mqtt: no host in '" + text + "'";
    return false;
  }
  if (!port.empty()) {
    unsigned long p = 0;
    bool digits = port.size() <= 5;
    for (char c : port) digits = digits && c >= '0' && c <= '9';
    if (digits) p = std::stoul(port);
    if (!digits || p < 1 || p > 65535) {
      *error = "--mqtt: the port must be 1..65535 (got '" + port + "')";
      return false;
    }
    url.port = static_cast<unsigned short>(p);
  }
  *out = url;
  return true;
}

bool topic_level_ok(std::string_view level) {
  if (level.empty()) return false;
  for (char c : level) {
    if (c == '/' || c == '+' || c == '#' || c == '\0') return false;
  }
  return true;
}

std::string event_topic(std::string_view eci, std::string_view domain, std::string_view type) {
  if (!topic_level_ok(eci) || !topic_level_ok(domain) || !topic_level_ok(type)) return "";
  std::string topic = "spime/";
  topic.append(eci);
  topic += '/';
  topic.append(domain);
  topic += '/';
  topic.append(type);
  return topic;
}

std::string heartbeat_topic(std::string_view eci) {
  return event_topic(eci, "wovyn", "heartbeat");
}

std::string reply_topic(std::string_view run, int connection) {
  std::string topic = "spime-sim/";
  topic.append(run);
  topic += '/';
  topic += std::to_string(connection);
  topic += "/reply";
  return topic;
}

std::string new_run_id() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  const std::uint64_t mixed =
      (ns * 0x9E3779B97F4A7C15ULL) ^ (static_cast<std::uint64_t>(::getpid()) << 40);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(mixed));
  return buf;
}

std::string correlation_of(std::uint64_t n) {
  return std::to_string(n);
}

bool parse_correlation(std::string_view data, std::uint64_t* n) {
  if (data.empty() || data.size() > 20) return false;
  std::uint64_t v = 0;
  for (char c : data) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *n = v;
  return true;
}

MqttReply parse_reply(std::string_view payload) {
  MqttReply r;
  const auto doc = nlohmann::json::parse(payload.begin(), payload.end(), nullptr,
                                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    r.error = "a reply that is not JSON";
    return r;
  }
  if (!doc.is_object()) {
    r.error = "a reply that is not a JSON object";
    return r;
  }
  const auto error = doc.find("error");
  if (error != doc.end()) {
    r.kind = ReplyKind::kError;
    r.error = error->is_string() ? error->get<std::string>() : error->dump();
    return r;
  }
  const auto eid = doc.find("eid");
  const auto directives = doc.find("directives");
  if (eid == doc.end() || !eid->is_string() || directives == doc.end() || !directives->is_array()) {
    r.error = "a reply with neither {eid, directives} nor error";
    return r;
  }
  r.kind = ReplyKind::kAnswer;
  return r;
}

}  // namespace spime::devices
