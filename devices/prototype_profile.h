// Profile: what the simulator needs to know of a prototype, read from the
// engine's resolved form (GET /api/prototypes/<name>) rather than assumed:
// the thresholds its initialization events set (esproto:new_threshold), the
// router's low_battery_percent, the heartbeat interval and how many missed
// heartbeats make a device silent, the collection log's size, and its
// channels (to find a reused pico's channels by their tags).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace spime::devices {

// One sensor type's limits; a reading strictly above upper or below lower
// is a violation (esproto_device's check_reading).
struct Limits {
  std::optional<double> upper, lower;
};

struct ChannelShape {
  std::string name;
  std::vector<std::string> tags;  // lower case, sorted: how the wrangler compares them
  nlohmann::json query_policy;    // {"allow": [{rid, name}], "deny": [...]}
};

struct Profile {
  std::string name;
  std::map<std::string, Limits> thresholds;  // by sensor type ("temperature", ...)
  double low_battery_percent = 20;           // esproto_router's default
  double heartbeat_interval_seconds = 300;
  int missed_heartbeats = 3;
  std::optional<long> max_log_entries;  // a collection's log size, when configured
  std::vector<ChannelShape> channels;
  std::vector<std::string> ruleset_urls;  // as resolved by the engine
};

// Reads the resolved prototype `resolved`; false + *error when its shape is
// not the one GET /api/prototypes/<name> answers.
bool read_profile(const nlohmann::json& resolved, Profile* out, std::string* error);

// The channel named `name`, or nullptr.
const ChannelShape* find_channel(const Profile& profile, const std::string& name);

// The name of a channel whose query policy lets `function` of `rid`
// through (and denies nothing of it), or "" when none does.
std::string channel_for_query(const Profile& profile, const std::string& rid,
                              const std::string& function);

// Tags as the wrangler compares them: lower case, sorted.
std::vector<std::string> normal_tags(const nlohmann::json& tags);

}  // namespace spime::devices
