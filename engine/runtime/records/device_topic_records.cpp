// Device topic records. See device_topic_records.h.
#include "engine/runtime/records/device_topic_records.h"

#include "engine/krl/value.h"

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

}  // namespace spime::runtime
