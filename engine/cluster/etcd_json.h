// The pieces of etcd's JSON gateway format shared by the client
// (etcd_client.h) and the watch (etcd_watch.h): proto3's JSON mapping, where
// bytes are base64, 64-bit numbers are strings, and a field at its default
// value is left out.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/cluster/etcd_client.h"

namespace spime::cluster::etcd_json {

// Bytes as the gateway wants them: standard base64 with padding.
std::string bytes(const std::string& raw);

// The number at `key` (a string of digits or a JSON number); `fallback`
// when absent or not a number.
std::int64_t number_or(const nlohmann::json& object, const char* key, std::int64_t fallback);

// header.revision of an answer; 0 when absent.
std::int64_t header_revision(const nlohmann::json& answer);

// One mvccpb.KeyValue; false when a field has the wrong type or its bytes
// are not base64.
bool read_kv(const nlohmann::json& j, KeyValue* out);

// The array at `key` (absent: none) of KeyValues, appended to *out.
bool read_kvs(const nlohmann::json& answer, const char* key, std::vector<KeyValue>* out);

}  // namespace spime::cluster::etcd_json
