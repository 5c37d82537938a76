#include "devices/prototype_profile.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace spime::devices {

namespace {

using json = nlohmann::json;

// A number, or a numeral as a string ("78.8"), as KRL's as("Number") reads
// the limits; nullopt for null, "" and anything else.
std::optional<double> number_of(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const std::string s = v.get<std::string>();
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

// A key of `config` as a positive number, if there.
void read_number(const json& config, const char* key, double* out) {
  if (!config.is_object() || !config.contains(key)) return;
  if (auto v = number_of(config.at(key)); v && *v > 0) *out = *v;
}

bool matches(const json& pattern, const std::string& value) {
  return pattern.is_string() && (pattern == "*" || pattern == value);
}

// Whether one of `rules` ({rid, name} each) covers rid/function.
bool covers(const json& rules, const std::string& rid, const std::string& function) {
  if (!rules.is_array()) return false;
  for (const auto& r : rules) {
    if (r.is_object() && matches(r.value("rid", json()), rid) &&
        matches(r.value("name", json()), function))
      return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> normal_tags(const json& tags) {
  std::vector<std::string> out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags) {
    if (!t.is_string()) continue;
    std::string s = t.get<std::string>();
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool read_profile(const json& resolved, Profile* out, std::string* error) {
  if (!resolved.is_object() || !resolved.value("name", json()).is_string()) {
    *error = "a prototype should be an object with a name";
    return false;
  }
  Profile p;
  p.name = resolved.at("name").get<std::string>();
  const json config = resolved.value("config", json::object());
  read_number(config, "heartbeat_interval_seconds", &p.heartbeat_interval_seconds);
  double missed = p.missed_heartbeats;
  read_number(config, "missed_heartbeats", &missed);
  p.missed_heartbeats = static_cast<int>(std::ceil(missed));
  double max_log = 0;
  read_number(config, "max_log_entries", &max_log);
  if (max_log > 0) p.max_log_entries = static_cast<long>(max_log);

  for (const auto& r : resolved.value("rulesets", json::array())) {
    if (!r.is_object()) continue;
    if (r.value("url", json()).is_string())
      p.ruleset_urls.push_back(r.at("url").get<std::string>());
    const json rs_config = r.value("config", json::object());
    if (r.value("rid", json()) == "esproto_router")
      read_number(rs_config, "low_battery_percent", &p.low_battery_percent);
    // A collection ruleset's effective config (the prototype's, with its
    // own over it) says how many log entries it keeps.
    const json rid = r.value("rid", json());
    if (rid.is_string() && rid.get<std::string>().find("collection") != std::string::npos) {
      double n = 0;
      read_number(rs_config, "max_log_entries", &n);
      if (n > 0) p.max_log_entries = static_cast<long>(n);
    }
  }

  // The thresholds, as esproto_device's set_threshold keeps them: the last
  // new_threshold of a type wins.
  for (const auto& init : resolved.value("initialization", json::array())) {
    if (!init.is_object() || init.value("domain", json()) != "esproto" ||
        init.value("type", json()) != "new_threshold")
      continue;
    const json attrs = init.value("attributes", json::object());
    const json type = attrs.value("threshold_type", json());
    if (!type.is_string() || type.get<std::string>().empty()) continue;
    Limits limits;
    limits.upper = number_of(attrs.value("upper_limit", json()));
    limits.lower = number_of(attrs.value("lower_limit", json()));
    p.thresholds[type.get<std::string>()] = limits;
  }

  for (const auto& c : resolved.value("channels", json::array())) {
    if (!c.is_object() || !c.value("name", json()).is_string()) continue;
    ChannelShape shape;
    shape.name = c.at("name").get<std::string>();
    shape.tags = normal_tags(c.value("tags", json::array()));
    shape.query_policy = c.value("query_policy", json::object());
    p.channels.push_back(std::move(shape));
  }
  *out = std::move(p);
  return true;
}

const ChannelShape* find_channel(const Profile& profile, const std::string& name) {
  for (const auto& c : profile.channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string channel_for_query(const Profile& profile, const std::string& rid,
                              const std::string& function) {
  for (const auto& c : profile.channels) {
    if (!c.query_policy.is_object()) continue;
    if (covers(c.query_policy.value("allow", json()), rid, function) &&
        !covers(c.query_policy.value("deny", json()), rid, function))
      return c.name;
  }
  return "";
}

}  // namespace spime::devices
