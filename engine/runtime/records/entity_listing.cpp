#include "engine/runtime/records/entity_listing.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::entity_records {
namespace {

namespace keys = store::keys;

using Name = std::pair<std::string, std::string>;  // (rid, name)

// Written by us with encode_json (entity_records.cpp reads them the same way).
constexpr int kStoredDepth = 1 << 16;

// The longest prefix of `s` of at most `n` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Appends the JSON of `v` to `out`, stopping (false) once out is longer than `limit`.
bool append_bounded(const krl::Value& v, std::size_t limit, std::string& out) {
  if (out.size() > limit) return false;
  if (v.is_string()) {
    // Only the part that can show: a 100 MB string is not escaped whole. A
    // few bytes more than fit, so that its closing quote lies past the cut.
    const std::string& s = v.as_string();
    const std::size_t room = limit - out.size() + 4;
    out += krl::encode_json(krl::Value(std::string(utf8_prefix(s, room))));
    return s.size() <= room && out.size() <= limit;
  }
  if (v.is_array()) {
    const krl::Array& a = v.as_array();
    out += '[';
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ',';
      if (!append_bounded(a[i], limit, out)) return false;
    }
    out += ']';
    return out.size() <= limit;
  }
  if (v.is_map()) {
    out += '{';
    bool first = true;
    for (const auto& [k, val] : v.as_map()) {
      if (val.is_undefined()) continue;  // as encode_json
      if (!first) out += ',';
      first = false;
      out += krl::encode_json(krl::Value(std::string(utf8_prefix(k, limit + 4))));
      out += ':';
      if (!append_bounded(val, limit, out)) return false;
    }
    out += '}';
    return out.size() <= limit;
  }
  out += krl::encode_json(v);
  return out.size() <= limit;
}

void cut(Listed* l, std::string text, std::size_t max_bytes) {
  l->value = krl::Value();
  l->cut = true;
  l->json = std::string(utf8_prefix(text, max_bytes));
}

// A variable stored whole: its record is its compact JSON.
Listed from_record(const Name& n, std::string_view raw, std::size_t max_bytes) {
  Listed l{n.first, n.second, krl::Value(), false, "", std::nullopt};
  if (raw.size() > max_bytes) {
    cut(&l, std::string(utf8_prefix(raw, max_bytes)), max_bytes);
    l.bytes = raw.size();
    return l;
  }
  std::string err;
  if (!krl::parse_json(raw, &l.value, &err, kStoredDepth)) l.value = krl::Value();
  return l;
}

// A map stored by key: its entries in key order until they no longer fit;
// when they all fit, the map itself in insertion order.
Listed from_entries(const store::Store& s, const std::string& pico_id, const Name& n,
                    std::size_t max_bytes) {
  Listed l{n.first, n.second, krl::Value(), false, "", std::nullopt};
  struct Entry {
    std::uint64_t order;
    std::string key;
    krl::Value value;
  };
  std::vector<Entry> entries;
  std::string text = "{";
  bool fits = true;
  const std::string prefix = keys::entvar_entry_prefix(pico_id, n.first, n.second);
  s.scan(prefix, [&](std::string_view key, std::string_view raw) {
    Entry e{0, std::string(key.substr(prefix.size())), krl::Value()};
    if (!decode_entry(raw, &e.order, &e.value)) return true;  // unreadable: not shown, as decode()
    if (text.size() > 1) text += ',';
    text += krl::encode_json(krl::Value(e.key));
    text += ':';
    text += raw.substr(raw.find(':') + 1);
    if (text.size() + 1 > max_bytes) {
      fits = false;
      return false;
    }
    entries.push_back(std::move(e));
    return true;
  });
  if (!fits) {
    cut(&l, std::move(text), max_bytes);
    return l;
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.order < b.order; });
  krl::Map map;
  map.reserve(entries.size());
  for (Entry& e : entries) map.set(std::move(e.key), std::move(e.value));
  l.value = krl::Value(std::move(map));
  return l;
}

Listed from_memory(const Name& n, const krl::Value& v, std::size_t max_bytes) {
  Listed l{n.first, n.second, krl::Value(), false, "", std::nullopt};
  std::string text;
  if (bounded_json(v, max_bytes, &text)) {
    l.value = v;  // shared, not copied
  } else {
    cut(&l, std::move(text), max_bytes);
  }
  return l;
}

}  // namespace

bool bounded_json(const krl::Value& v, std::size_t max_bytes, std::string* out) {
  out->clear();
  if (append_bounded(v, max_bytes, *out)) return true;
  *out = std::string(utf8_prefix(*out, max_bytes));
  return false;
}

Listing list_variables(const store::Store& s, const std::string& pico_id, const Limits& limits,
                       const Overlay& overlay) {
  const std::size_t max_vars =
      std::clamp<std::size_t>(limits.max_variables, 1, Limits::kMaxVariables);
  const std::size_t max_bytes =
      std::clamp<std::size_t>(limits.max_value_bytes, 1, Limits::kMaxValueBytes);
  auto held = [&](const Name& n) {
    auto it = std::lower_bound(overlay.held.begin(), overlay.held.end(), n,
                               [](const auto& h, const Name& k) { return h.first < k; });
    return it != overlay.held.end() && it->first == n;
  };
  auto stale = [&](std::string_view rid) {
    return overlay.store_stale && overlay.store_stale(rid);
  };

  // The store's variables in key order, up to one more than is shown; records
  // the overlay replaces are skipped, a bounded number of them.
  std::map<Name, Listed> shown;
  std::vector<Name> keyed;
  std::optional<Name> stopped_at;  // the first variable not read, when the scan stopped early
  std::size_t steps = 0;
  const std::size_t max_steps = 4 * Limits::kMaxVariables + overlay.held.size();
  s.scan(keys::entvar_prefix(pico_id), [&](std::string_view key, std::string_view raw) {
    std::string pico, rid, name;
    if (!keys::parse_entvar(key, &pico, &rid, &name)) return true;
    Name n{std::move(rid), std::move(name)};
    if (shown.size() == max_vars + 1 || ++steps > max_steps) {
      stopped_at = std::move(n);
      return false;
    }
    if (stale(n.first) || held(n)) return true;
    if (raw == kKeyedMarker) {
      keyed.push_back(n);
      shown.emplace(n, Listed{});
    } else {
      shown.emplace(n, from_record(n, raw, max_bytes));
    }
    return true;
  });
  for (const Name& n : keyed) shown[n] = from_entries(s, pico_id, n, max_bytes);

  // What the pico holds over it, within the part of the store that was read.
  for (const auto& [n, ent] : overlay.held) {
    if (stopped_at && !(n < *stopped_at)) break;
    if (!ent || ent->value.is_null()) continue;
    shown.emplace(n, from_memory(n, ent->value, max_bytes));
  }

  Listing out;
  out.more = stopped_at.has_value() || shown.size() > max_vars;
  for (auto& [n, l] : shown) {
    if (out.variables.size() == max_vars) break;
    out.variables.push_back(std::move(l));
  }
  return out;
}

}  // namespace spime::runtime::entity_records
