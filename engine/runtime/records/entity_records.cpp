#include "engine/runtime/records/entity_records.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime::entity_records {
namespace {

namespace keys = store::keys;

// Written by us with encode_json: deeper nesting than KRL's reads allow is still ours.
constexpr int kStoredDepth = 1 << 16;

bool parse_stored(std::string_view json, krl::Value* out) {
  std::string err;
  return krl::parse_json(json, out, &err, kStoredDepth);
}

bool wants_keyed(const krl::Value& v, bool keyed_now) {
  if (!v.is_map()) return false;
  return v.as_map().size() >= (keyed_now ? kWholeBelow : kKeyedFrom);
}

}  // namespace

std::string encode_entry(std::uint64_t order, const krl::Value& value) {
  std::string out = std::to_string(order);
  out.push_back(':');
  out += krl::encode_json(value);
  return out;
}

// The order of an f/ record and where its JSON starts (npos when malformed).
std::size_t decode_order(std::string_view raw, std::uint64_t* order) {
  const auto colon = raw.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::string_view::npos;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + colon, *order);
  if (ec != std::errc() || end != raw.data() + colon) return std::string_view::npos;
  return colon + 1;
}

bool decode_entry(std::string_view raw, std::uint64_t* order, krl::Value* value) {
  const std::size_t json = decode_order(raw, order);
  return json != std::string_view::npos && parse_stored(raw.substr(json), value);
}

StoredEnt decode(const std::optional<std::string>& raw, const EntryScan& scan) {
  StoredEnt out;
  if (!raw) return out;
  if (*raw != kKeyedMarker) {
    if (!parse_stored(*raw, &out.value)) out.value = krl::Value();
    return out;
  }
  struct Entry {
    std::uint64_t order;
    std::string key;
    krl::Value value;
  };
  std::vector<Entry> entries;
  scan([&](std::string_view key, std::string_view record) {
    Entry e{0, std::string(key), krl::Value()};
    if (decode_entry(record, &e.order, &e.value)) entries.push_back(std::move(e));
  });
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.order < b.order; });
  krl::Map map;
  map.reserve(entries.size());
  for (Entry& e : entries) {
    out.next_order = std::max(out.next_order, e.order + 1);
    map.set(std::move(e.key), std::move(e.value));
  }
  out.value = krl::Value(std::move(map));
  out.keyed = true;
  return out;
}

krl::Value read_stored_entry(const store::Store& s, const std::string& pico_id,
                             const std::string& rid, const std::string& name,
                             const std::string& key) {
  std::string raw;
  if (!s.get(keys::entvar(pico_id, rid, name), &raw)) return krl::Value();
  krl::Value value;
  if (raw == kKeyedMarker) {
    std::uint64_t order = 0;
    if (!s.get(keys::entvar_entry(pico_id, rid, name, key), &raw) ||
        !decode_entry(raw, &order, &value))
      return krl::Value();
    return value;
  }
  if (!parse_stored(raw, &value) || !value.is_map()) return krl::Value();
  const krl::Value* entry = value.as_map().find(key);
  return entry ? *entry : krl::Value();
}

StoredEnt write(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                const std::string& name, const StoredEnt& old, const krl::Value& next,
                const EntryRead& read_entry, const EntryWritten& written) {
  const std::string whole_key = keys::entvar(pico_id, rid, name);
  if (!wants_keyed(next, old.keyed)) {
    if (old.keyed) b->erase_prefix(keys::entvar_entry_prefix(pico_id, rid, name));
    if (next.is_null()) {
      b->erase(whole_key);
    } else {
      b->put(whole_key, krl::encode_json(next));
    }
    return StoredEnt{next, false, 0};
  }

  const std::string prefix = keys::entvar_entry_prefix(pico_id, rid, name);
  StoredEnt out{next, true, old.keyed ? old.next_order : 0};
  auto put = [&](const std::string& key, std::uint64_t order, const krl::Value& value) {
    std::string record = encode_entry(order, value);
    std::string store_key = prefix + key;
    b->put(store_key, record);
    written(store_key, std::move(record));
  };
  const krl::Map& now = next.as_map();
  if (!old.keyed) {
    // Stored whole (or absent) until now: every entry, in order.
    b->put(whole_key, kKeyedMarker);
    for (const auto& [key, value] : now) put(key, out.next_order++, value);
    return out;
  }

  const krl::Map& before = old.value.as_map();
  const auto& before_entries = before.entries();
  std::size_t kept = 0;
  std::size_t i = 0;
  for (const auto& [key, value] : now) {
    // Usually the same key sits at the same place: no lookup needed.
    const krl::Value* was = i < before_entries.size() && before_entries[i].first == key
                                ? &before_entries[i].second
                                : before.find(key);
    ++i;
    if (!was) {
      put(key, out.next_order++, value);
      continue;
    }
    ++kept;
    if (was->is_same_object(value)) continue;
    std::string record;
    std::uint64_t order = 0;
    // A changed entry keeps its place; one whose record is unreadable goes last.
    if (!read_entry(prefix + key, &record) ||
        decode_order(record, &order) == std::string_view::npos)
      order = out.next_order++;
    put(key, order, value);
  }
  if (kept < before.size()) {
    for (const auto& [key, value] : before) {
      if (now.contains(key)) continue;
      std::string store_key = prefix + key;
      b->erase(store_key);
      written(store_key, std::nullopt);
    }
  }
  return out;
}

}  // namespace spime::runtime::entity_records
