#include "engine/runtime/cluster/slot_records.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/krl/stdlib/digest.h"
#include "engine/runtime/records/device_topic_records.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/records/records.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

namespace keys = store::keys;
using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "spime-slot-1";

void add_key(const store::Store& s, const std::string& key, SlotRecords* out) {
  std::string value;
  if (s.get(key, &value)) out->records.emplace_back(key, std::move(value));
}

// Strict standard base64: what encode wrote, nothing lenient.
bool decode_base64(const json& j, std::string* out) {
  if (!j.is_string()) return false;
  const std::string& text = j.get_ref<const std::string&>();
  *out = krl::stdlib::base64_decode_lenient(text);
  return krl::stdlib::base64_encode(*out) == text;
}

}  // namespace

std::vector<std::string> picos_in_slot(const store::Store& s, cluster::Slot slot) {
  return pico_records::picos_in_slot(s, cluster::slot_text(slot));
}

SlotRecords collect_slot(const store::Store& s, cluster::Slot slot,
                         const std::vector<std::string>& picos) {
  SlotRecords out;
  out.slot = slot;
  out.picos = picos;
  const std::set<std::string> members(picos.begin(), picos.end());
  std::set<std::string> rids;
  for (const std::string& id : picos) {
    add_key(s, keys::pico(id), &out);
    add_key(s, keys::slot_member(cluster::slot_text(slot), id), &out);
    std::set<std::string> ecis;
    std::vector<std::string> topics;
    for (const std::string& prefix : keys::pico_scoped_prefixes(id)) {
      s.scan(prefix, [&](std::string_view k, std::string_view v) {
        std::string pid, second;
        if (keys::parse_pico_channel(k, &pid, &second)) ecis.insert(second);
        if (keys::parse_installation(k, &pid, &second)) rids.insert(second);
        if (keys::parse_pico_topic(k, &pid, &second)) topics.push_back(second);
        out.records.emplace_back(std::string(k), std::string(v));
        return true;
      });
    }
    for (const std::string& eci : ecis) add_key(s, keys::channel(eci), &out);
    // Its fixed MQTT topics that still lead to one of its channels.
    for (const std::string& topic : topics) {
      std::string raw;
      DeviceTopic device;
      if (s.get(keys::device_topic(topic), &raw) && decode_device_topic(raw, &device) &&
          ecis.count(device.eci) != 0) {
        out.records.emplace_back(keys::device_topic(topic), std::move(raw));
      }
    }
  }
  schedule_records::due(s, std::numeric_limits<std::uint64_t>::max(),
                        std::numeric_limits<size_t>::max(),
                        [&](const std::string& due_key, const std::string&,
                            const std::string& pico_id, const std::string&) {
                          if (members.count(pico_id) != 0) add_key(s, due_key, &out);
                        });
  for (const std::string& rid : rids) {
    std::string raw, error;
    RulesetRecord r;
    if (s.get(keys::ruleset(rid), &raw) && decode_record(raw, &r, &error)) {
      out.rulesets.push_back({rid, r.url, r.source});
    }
  }
  return out;
}

void put_slot_records(const SlotRecords& records, store::WriteBatch* batch) {
  for (const auto& [k, v] : records.records) {
    batch->put(k, v);
    std::string id, error;
    PicoRecord record;
    if (keys::parse_pico(k, &id) && decode_record(v, &record, &error) && record.slot) {
      batch->put(keys::slot_member(cluster::slot_text(*record.slot), id), "");
    }
  }
}

std::string encode_slot_records(const SlotRecords& r) {
  json rulesets = json::array();
  for (const SlotRecords::Ruleset& rs : r.rulesets) {
    rulesets.push_back({{"rid", rs.rid}, {"url", rs.url}, {"source", rs.source}});
  }
  json records = json::array();
  for (const auto& [k, v] : r.records) {
    records.push_back(json::array({krl::stdlib::base64_encode(k), krl::stdlib::base64_encode(v)}));
  }
  json out = {{"format", kFormat},
              {"slot", cluster::slot_text(r.slot)},
              {"picos", r.picos},
              {"rulesets", std::move(rulesets)},
              {"records", std::move(records)}};
  // Ruleset sources and ids are UTF-8 as compiled; replace, never throw.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool decode_slot_records(std::string_view text, SlotRecords* out, std::string* error) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", json()) != kFormat) {
    *error = "not a slot's records (format " + std::string(kFormat) + ")";
    return false;
  }
  const json& slot = j.value("slot", json());
  const std::optional<cluster::Slot> parsed =
      slot.is_string() ? cluster::parse_slot_text(slot.get<std::string>()) : std::nullopt;
  if (!parsed) {
    *error = "\"slot\" must be 3 lower-case hex digits";
    return false;
  }
  SlotRecords r;
  r.slot = *parsed;
  const json& picos = j.value("picos", json());
  const json& rulesets = j.value("rulesets", json());
  const json& records = j.value("records", json());
  if (!picos.is_array() || !rulesets.is_array() || !records.is_array()) {
    *error = "\"picos\", \"rulesets\" and \"records\" must be arrays";
    return false;
  }
  for (const json& id : picos) {
    if (!id.is_string() || id.get_ref<const std::string&>().empty()) {
      *error = "a pico id must be a non-empty string";
      return false;
    }
    r.picos.push_back(id.get<std::string>());
  }
  for (const json& rs : rulesets) {
    if (!rs.is_object() || !rs.value("rid", json()).is_string() ||
        !rs.value("url", json()).is_string() || !rs.value("source", json()).is_string()) {
      *error = "a ruleset must have string \"rid\", \"url\" and \"source\"";
      return false;
    }
    r.rulesets.push_back({rs["rid"].get<std::string>(), rs["url"].get<std::string>(),
                          rs["source"].get<std::string>()});
  }
  for (const json& pair : records) {
    std::string k, v;
    if (!pair.is_array() || pair.size() != 2 || !decode_base64(pair[0], &k) ||
        !decode_base64(pair[1], &v)) {
      *error = "a record must be [key, value] in standard base64";
      return false;
    }
    if (!keys::movable_key(k)) {
      *error = "a record's key is not of a family a move carries";
      return false;
    }
    r.records.emplace_back(std::move(k), std::move(v));
  }
  *out = std::move(r);
  return true;
}

bool reslot_pico(SlotRecords* records, const std::string& pico_id, cluster::Slot slot,
                 std::string* error) {
  const std::string key = keys::pico(pico_id);
  auto it = std::find_if(records->records.begin(), records->records.end(),
                         [&](const auto& kv) { return kv.first == key; });
  if (it == records->records.end()) {
    *error = "no record of pico " + pico_id;
    return false;
  }
  PicoRecord record;
  if (!decode_record(it->second, &record, error)) return false;
  const std::optional<cluster::Slot> from = record.slot;
  record.slot = slot;
  it->second = encode_record(record);
  records->slot = slot;
  // Its slot entry names the new slot (a legacy pico had none).
  const std::string entry = keys::slot_member(cluster::slot_text(slot), pico_id);
  if (from) {
    const std::string old_entry = keys::slot_member(cluster::slot_text(*from), pico_id);
    for (auto& kv : records->records) {
      if (kv.first == old_entry) kv.first = entry;
    }
  }
  if (std::none_of(records->records.begin(), records->records.end(),
                   [&](const auto& kv) { return kv.first == entry; })) {
    records->records.emplace_back(entry, std::string());
  }
  return true;
}

std::optional<cluster::Slot> record_slot(const SlotRecords& records, const std::string& pico_id) {
  const std::string key = keys::pico(pico_id);
  for (const auto& [k, v] : records.records) {
    if (k != key) continue;
    PicoRecord record;
    std::string error;
    if (!decode_record(v, &record, &error)) return std::nullopt;
    return record.slot;
  }
  return std::nullopt;
}

std::vector<std::string> channel_ecis_of(const SlotRecords& records) {
  std::vector<std::string> ecis;
  for (const auto& [k, v] : records.records) {
    std::string eci;
    if (keys::parse_channel(k, &eci)) ecis.push_back(std::move(eci));
  }
  return ecis;
}

}  // namespace spime::runtime
