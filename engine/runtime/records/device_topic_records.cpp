// Device topic records. See device_topic_records.h.
#include "engine/runtime/records/device_topic_records.h"

#include <algorithm>

#include "engine/krl/value.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

std::string encode_device_topic(const DeviceTopic& t) {
  return krl::encode_json(krl::Value(krl::Map{
      {"eci", krl::Value(t.eci)}, {"domain", krl::Value(t.domain)}, {"type", krl::Value(t.type)}}));
}

bool decode_device_topic(const std::string& text, DeviceTopic* out) {
  krl::Value v;
  std::string error;
  if (!krl::parse_json(text, &v, &error) || !v.is_map()) return false;
  const krl::Map& m = v.as_map();
  const krl::Value* eci = m.find("eci");
  const krl::Value* domain = m.find("domain");
  const krl::Value* type = m.find("type");
  if (!eci || !domain || !type || !eci->is_string() || !domain->is_string() || !type->is_string()) {
    return false;
  }
  *out = DeviceTopic{eci->as_string(), domain->as_string(), type->as_string()};
  return true;
}

const char* topic_use_name(TopicUse use) {
  return use == TopicUse::kInstructions ? "instructions" : "publishes";
}

std::string encode_topic_use(TopicUse use) {
  return krl::encode_json(krl::Value(krl::Map{{"use", krl::Value(topic_use_name(use))}}));
}

bool decode_topic_use(const std::string& text, TopicUse* out) {
  krl::Value v;
  std::string error;
  if (!krl::parse_json(text, &v, &error) || !v.is_map()) return false;
  const krl::Value* use = v.as_map().find("use");
  if (!use || !use->is_string()) return false;
  for (TopicUse u : {TopicUse::kPublishes, TopicUse::kInstructions}) {
    if (use->as_string() == topic_use_name(u)) {
      *out = u;
      return true;
    }
  }
  return false;
}

void erase_device_topics(const store::Store& s, store::WriteBatch* b, const std::string& pico_id,
                         const std::vector<std::string>& ecis) {
  std::vector<std::string> topics;
  s.scan(store::keys::pico_topic_prefix(pico_id),
         [&](std::string_view key, std::string_view value) {
           std::string pico, topic;
           TopicUse use;
           if (store::keys::parse_pico_topic(key, &pico, &topic) &&
               decode_topic_use(std::string(value), &use) && use == TopicUse::kPublishes) {
             topics.push_back(std::move(topic));
           }
           return true;
         });
  for (const std::string& topic : topics) {
    std::string text;
    DeviceTopic t;
    if (s.get(store::keys::device_topic(topic), &text) && decode_device_topic(text, &t) &&
        std::find(ecis.begin(), ecis.end(), t.eci) != ecis.end()) {
      b->erase(store::keys::device_topic(topic));
    }
  }
}

}  // namespace spime::runtime
