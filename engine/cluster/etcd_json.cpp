#include "engine/cluster/etcd_json.h"

#include <cerrno>
#include <cstdlib>

#include "engine/krl/stdlib/digest.h"

namespace spime::cluster::etcd_json {

using nlohmann::json;

namespace {

// Strict standard base64 (the gateway's): the lenient decoder skips junk,
// so a round trip through the encoder checks it.
bool decode_bytes(const json& j, std::string* out) {
  if (!j.is_string()) return false;
  const std::string& text = j.get_ref<const std::string&>();
  *out = krl::stdlib::base64_decode_lenient(text);
  return krl::stdlib::base64_encode(*out) == text;
}

}  // namespace

std::string bytes(const std::string& raw) {
  return krl::stdlib::base64_encode(raw);
}

std::int64_t number_or(const json& object, const char* key, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return fallback;
  const std::string& text = it->get_ref<const std::string&>();
  if (text.empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return fallback;
  return v;
}

std::int64_t header_revision(const json& answer) {
  const auto it = answer.find("header");
  return it == answer.end() ? 0 : number_or(*it, "revision", 0);
}

bool read_kv(const json& j, KeyValue* out) {
  if (!j.is_object()) return false;
  *out = KeyValue{};
  if (!decode_bytes(j.value("key", json("")), &out->key)) return false;
  if (!decode_bytes(j.value("value", json("")), &out->value)) return false;
  out->create_revision = number_or(j, "create_revision", 0);
  out->mod_revision = number_or(j, "mod_revision", 0);
  out->version = number_or(j, "version", 0);
  out->lease = number_or(j, "lease", 0);
  return true;
}

bool read_kvs(const json& answer, const char* key, std::vector<KeyValue>* out) {
  const auto it = answer.find(key);
  if (it == answer.end()) return true;
  if (!it->is_array()) return false;
  for (const json& j : *it) {
    KeyValue kv;
    if (!read_kv(j, &kv)) return false;
    out->push_back(std::move(kv));
  }
  return true;
}

}  // namespace spime::cluster::etcd_json
