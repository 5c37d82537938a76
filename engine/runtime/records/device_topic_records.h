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
// The device pico also keeps its own topics, those it publishes to and the
// one it listens on for instructions (mqtt.instructions), so its rulesets
// find them (mqtt:deviceTopics) and its deletion erases its q/ records
// (those still naming one of its channels; a device that took the name
// over keeps its own).
//
//   key    q/<topic>                              (keys::device_topic)
//   value  {"eci": ..., "domain": ..., "type": ...}   (JSON)
//   key    j/<pico><sep><topic>                   (keys::pico_topic)
//   value  {"use": "publishes" | "instructions"}  (JSON)
//
// Thread-safety: free functions on values; erase_device_topics reads the
// store (safe from any thread) and appends to a batch the caller owns.
#pragma once

#include <string>
#include <vector>

namespace spime::store {
class Store;
class WriteBatch;
}  // namespace spime::store

namespace spime::runtime {

struct DeviceTopic {
  std::string eci;  // the channel the events land on (the transducer's)
  std::string domain;
  std::string type;
};

std::string encode_device_topic(const DeviceTopic& t);

// False when `text` is not a record this file wrote.
bool decode_device_topic(const std::string& text, DeviceTopic* out);

// What a device does with one of its topics.
enum class TopicUse { kPublishes, kInstructions };

const char* topic_use_name(TopicUse use);  // "publishes", "instructions"
std::string encode_topic_use(TopicUse use);
// False when `text` is not a record this file wrote.
bool decode_topic_use(const std::string& text, TopicUse* out);

// For the deletion of pico `pico_id`, whose channels are `ecis`: erases, in
// `b`, each q/ record of a topic it publishes to that still names one of
// those channels (committed state). Its j/ records go with its other
// pico-scoped keys (keys::pico_scoped_prefixes). A device of the same name
// made in a transaction that has not committed yet keeps its record unless
// the two commit in the opposite order of their reads; the window is one
// commit, and a lost record only makes that device's fixed topic unknown
// (its ECI topics still work) until it is made again.
void erase_device_topics(const store::Store& s, store::WriteBatch* b, const std::string& pico_id,
                         const std::vector<std::string>& ecis);

}  // namespace spime::runtime
