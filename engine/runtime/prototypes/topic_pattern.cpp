// Topic patterns of prototypes. See topic_pattern.h.
#include "engine/runtime/prototypes/topic_pattern.h"

#include <vector>

namespace spime::runtime {

namespace {

std::vector<std::string_view> levels(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t from = 0;
  for (;;) {
    const std::size_t slash = topic.find('/', from);
    if (slash == std::string_view::npos) {
      out.push_back(topic.substr(from));
      return out;
    }
    out.push_back(topic.substr(from, slash - from));
    from = slash + 1;
  }
}

bool has_any(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

}  // namespace

bool check_topic_pattern(std::string_view pattern, std::string* why) {
  if (pattern.size() > kMaxPatternBytes) {
    *why = "longer than " + std::to_string(kMaxPatternBytes) + " bytes";
    return false;
  }
  if (pattern.find('\0') != std::string_view::npos) {
    *why = "a topic holds no NUL";
    return false;
  }
  if (!pattern.empty() && pattern.front() == '$') {
    *why = "a topic beginning with '$' is the broker's own";
    return false;
  }
  const std::vector<std::string_view> parts = levels(pattern);
  if (parts.front() == "spime") {
    *why = "topics under spime/ are the event scheme spime/<eci>/<domain>/<type>";
    return false;
  }
  std::size_t placeholders = 0;
  for (std::string_view level : parts) {
    if (level.empty()) {
      *why = "\"" + std::string(pattern) + "\" has an empty topic level";
      return false;
    }
    if (has_any(level, "+#")) {
      *why = "a device's topic is one topic, without the wildcards '+' and '#' (\"" +
             std::string(level) + "\")";
      return false;
    }
    if (level == kDevicePlaceholder) {
      ++placeholders;
      continue;
    }
    if (level.find(kDevicePlaceholder) != std::string_view::npos) {
      *why = std::string(kDevicePlaceholder) + " must be a whole topic level, not \"" +
             std::string(level) + "\"";
      return false;
    }
    if (has_any(level, "{}")) {
      *why = "\"" + std::string(level) + "\": the only placeholder is " + kDevicePlaceholder;
      return false;
    }
  }
  if (placeholders != 1) {
    *why = std::string("a device's topic has the placeholder ") + kDevicePlaceholder +
           (placeholders == 0 ? " once, where the device's name stands"
                              : " once, not " + std::to_string(placeholders) + " times");
    return false;
  }
  return true;
}

std::string topic_filter(std::string_view pattern) {
  std::string out;
  for (std::string_view level : levels(pattern)) {
    if (!out.empty()) out += '/';
    out += level == kDevicePlaceholder ? std::string_view("+") : level;
  }
  return out;
}

bool device_name_fits(std::string_view device) {
  return !device.empty() && device.size() <= kMaxDeviceBytes && !has_any(device, "/+#") &&
         device.find('\0') == std::string_view::npos;
}

std::string concrete_topic(std::string_view pattern, std::string_view device) {
  std::string out;
  for (std::string_view level : levels(pattern)) {
    if (!out.empty()) out += '/';
    out += level == kDevicePlaceholder ? device : level;
  }
  return out;
}

bool match_topic(std::string_view pattern, std::string_view topic, std::string* device) {
  const std::vector<std::string_view> want = levels(pattern), got = levels(topic);
  if (want.size() != got.size()) return false;
  std::string_view found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == kDevicePlaceholder) {
      found = got[i];
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  if (!device_name_fits(found)) return false;
  *device = std::string(found);
  return true;
}

}  // namespace spime::runtime
