// The one owner of a prototype's MQTT topic patterns (prototype.h,
// `mqtt.topics[].topic`, `mqtt.instructions`): the fixed topic a device
// publishes to (or listens on), with the
// placeholder {device} where the device's name stands, e.g.
// "sensors/{device}/heartbeat".
//
// A pattern is MQTT topic levels separated by '/', at most kMaxPatternBytes:
//  * exactly one level is the placeholder, whole: "{device}" (not
//    "x{device}", not twice, no other {name});
//  * no level is empty, none holds the wildcards '+' or '#', '{' or '}'
//    outside the placeholder, or a NUL;
//  * it does not begin with '$' (the broker's own topics) nor with the level
//    "spime" (the event scheme spime/<eci>/<domain>/<type>, mqtt_event.h).
//
// A device name fills the placeholder when it is one MQTT topic level that
// a pattern can match back: non-empty, at most kMaxDeviceBytes, without '/',
// '+', '#', NUL (device_name_fits).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spime::runtime {

inline constexpr const char* kDevicePlaceholder = "{device}";
inline constexpr std::size_t kMaxPatternBytes = 256;
inline constexpr std::size_t kMaxDeviceBytes = 128;

// True when `pattern` is one (above); otherwise false and *why, e.g.
// "{device} must be a whole topic level, not \"x{device}\"".
bool check_topic_pattern(std::string_view pattern, std::string* why);

// The subscription that receives every device's topic: the placeholder
// made the single-level wildcard "+" ("sensors/+/heartbeat").
std::string topic_filter(std::string_view pattern);

bool device_name_fits(std::string_view device);

// The topic device `device` publishes to: the placeholder replaced.
std::string concrete_topic(std::string_view pattern, std::string_view device);

// True when `topic` is `pattern` with a device's name in the placeholder's
// level; *device is that name.
bool match_topic(std::string_view pattern, std::string_view topic, std::string* device);

}  // namespace spime::runtime
