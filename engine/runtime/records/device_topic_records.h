// Device topic records: the one owner of how the engine remembers which
// device publishes to a fixed MQTT topic (key family q/ in
// engine/store/keys.h), so the MQTT bridge can hand a message on
// sensors/kitchen/heartbeat to the pico of the device named "kitchen".
//
// Written when a device is made from a prototype with mqtt.topics
// (prototypes:bindTopics, called by the wrangler), in the creation's
// batch: one record per topic, the placeholder filled with the device's
// name (topic_pattern.h). A later device with the same name takes the
// topic over (its record replaces the earlier one). Read by
// EngineApi::device_topic (a point read; nothing is read at start).
//
//   key    q/<topic>                              (keys::device_topic)
//   value  {"eci": ..., "domain": ..., "type": ...}   (JSON)
//
// Thread-safety: free functions on values.
#pragma once

#include <string>

namespace spime::runtime {

struct DeviceTopic {
  std::string eci;  // the channel the events land on (the transducer's)
  std::string domain;
  std::string type;
};

std::string encode_device_topic(const DeviceTopic& t);

// False when `text` is not a record this file wrote.
bool decode_device_topic(const std::string& text, DeviceTopic* out);

}  // namespace spime::runtime
