#include "engine/runtime/records/pico_records.h"

#include <algorithm>
#include <charconv>

#include "engine/runtime/channel/attrs_schema.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::pico_records {

namespace keys = store::keys;

void put_pico(store::WriteBatch* b, const std::string& pico_id, const PicoRecord& r) {
  b->put(keys::pico(pico_id), encode_record(r));
  if (r.slot) b->put(keys::slot_member(cluster::slot_text(*r.slot), pico_id), "");
}

void put_channel(store::WriteBatch* b, const ChannelRecord& c) {
  b->put(keys::channel(c.eci), encode_record(c));
  b->put(keys::pico_channel(c.pico_id, c.eci), "");
}

void erase_channel(store::WriteBatch* b, const std::string& pico_id, const std::string& eci) {
  b->erase(keys::channel(eci));
  b->erase(keys::pico_channel(pico_id, eci));
}

void put_child(store::WriteBatch* b, const std::string& pico_id, const std::string& child_eci,
               std::int64_t order) {
  b->put(keys::child(pico_id, child_eci), std::to_string(order));
}

void erase_child(store::WriteBatch* b, const std::string& pico_id, const std::string& child_eci) {
  b->erase(keys::child(pico_id, child_eci));
}

void put_installation(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                      const InstallRecord& r) {
  b->put(keys::installation(pico_id, rid), encode_record(r));
}

void erase_installation(store::WriteBatch* b, const std::string& pico_id, const std::string& rid) {
  b->erase(keys::installation(pico_id, rid));
  b->erase_prefix(keys::entvar_prefix(pico_id, rid));
  b->erase_prefix(keys::entvar_entry_prefix(pico_id, rid));
  b->erase_prefix(keys::log_prefix(pico_id, rid));
  b->erase_prefix(keys::log_key_prefix(pico_id, rid));
  b->erase_prefix(keys::rule_state_prefix(pico_id, rid));
}

void put_entvar(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                const std::string& name, const std::string& json) {
  b->put(keys::entvar(pico_id, rid, name), json);
}

void erase_entvar(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                  const std::string& name) {
  b->erase(keys::entvar(pico_id, rid, name));
}

void put_rule_state(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                    const std::string& rule, const std::string& state) {
  b->put(keys::rule_state(pico_id, rid, rule), state);
}

void erase_rule_state(store::WriteBatch* b, const std::string& pico_id, const std::string& rid,
                      const std::string& rule) {
  b->erase(keys::rule_state(pico_id, rid, rule));
}

void erase_pico(store::WriteBatch* b, const std::string& pico_id, const PicoRecord& record,
                const std::vector<std::string>& channel_ecis) {
  for (const std::string& eci : channel_ecis) b->erase(keys::channel(eci));
  for (const std::string& prefix : keys::pico_scoped_prefixes(pico_id)) b->erase_prefix(prefix);
  b->erase(keys::pico(pico_id));
  if (record.slot) b->erase(keys::slot_member(cluster::slot_text(*record.slot), pico_id));
}

std::vector<std::string> picos_in_slot(const store::Store& s, const std::string& slot) {
  std::vector<std::string> ids;
  s.scan(keys::slot_member_prefix(slot), [&](std::string_view key, std::string_view) {
    std::string in_slot, id;
    if (keys::parse_slot_member(key, &in_slot, &id)) ids.push_back(std::move(id));
    return true;
  });
  return ids;
}

bool load_entvar(const store::Store& s, const std::string& pico_id, const std::string& rid,
                 const std::string& name, std::string* json) {
  return s.get(keys::entvar(pico_id, rid, name), json);
}

bool load_rule_state(const store::Store& s, const std::string& pico_id, const std::string& rid,
                     const std::string& rule, std::string* state) {
  return s.get(keys::rule_state(pico_id, rid, rule), state);
}

bool load_channel(const store::Store& s, const std::string& eci, ChannelRecord* out) {
  std::string raw, err;
  if (!s.get(keys::channel(eci), &raw) || !decode_record(raw, out, &err)) return false;
  out->eci = eci;
  if (!out->attrs_schema.is_null()) {
    // It compiled when it was set; one that no longer does fails closed.
    out->schema = AttrsSchema::compile_shared(out->attrs_schema, &err);
    if (!out->schema) return false;
    out->attrs_schema = out->schema->source();  // the shared tree, not this record's copy
  }
  return true;
}

std::vector<std::string> channel_ecis(const store::Store& s, const std::string& pico_id) {
  std::vector<std::string> ecis;
  s.scan(keys::pico_channel_prefix(pico_id), [&](std::string_view key, std::string_view) {
    std::string pid, eci;
    if (keys::parse_pico_channel(key, &pid, &eci)) ecis.push_back(eci);
    return true;
  });
  return ecis;
}

namespace {

bool parse_order(std::string_view value, std::int64_t* order) {
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), *order);
  return ec == std::errc() && end == value.data() + value.size();
}

}  // namespace

bool load_child(const store::Store& s, const std::string& pico_id, const std::string& child_eci,
                std::int64_t* order) {
  std::string raw;
  return s.get(keys::child(pico_id, child_eci), &raw) && parse_order(raw, order);
}

bool load_children(const store::Store& s, const std::string& pico_id,
                   std::vector<std::pair<std::string, std::int64_t>>* out, std::string* error) {
  bool ok = true;
  s.scan(keys::child_prefix(pico_id), [&](std::string_view key, std::string_view value) {
    std::string pid, eci;
    std::int64_t order = 0;
    if (!keys::parse_child(key, &pid, &eci) || !parse_order(value, &order)) {
      *error = "child record of pico " + pico_id + " is corrupt";
      ok = false;
      return false;
    }
    out->emplace_back(std::move(eci), order);
    return true;
  });
  return ok;
}

bool load(const store::Store& s, const std::string& pico_id, LoadedPico* out, std::string* error,
          bool with_channels) {
  std::string raw;
  if (!s.get(keys::pico(pico_id), &raw)) {
    *error = "Pico not found: " + pico_id;
    return false;
  }
  if (!decode_record(raw, &out->record, error)) {
    *error = "pico " + pico_id + ": " + *error;
    return false;
  }
  const std::vector<std::string> ecis =
      with_channels ? channel_ecis(s, pico_id) : std::vector<std::string>();
  for (const std::string& eci : ecis) {
    ChannelRecord c;
    if (!load_channel(s, eci, &c)) {
      *error = "channel " + eci + " of pico " + pico_id + " is missing or corrupt";
      return false;
    }
    out->channels.push_back(std::move(c));
  }
  bool ok = true;
  s.scan(keys::installation_prefix(pico_id), [&](std::string_view key, std::string_view value) {
    std::string pid, rid;
    InstallRecord rec;
    if (!keys::parse_installation(key, &pid, &rid) ||
        !decode_record(std::string(value), &rec, error)) {
      *error = "installation record of pico " + pico_id + " is corrupt";
      ok = false;
      return false;
    }
    out->installs.emplace_back(rid, std::move(rec));
    return true;
  });
  if (!ok) return false;
  std::stable_sort(out->installs.begin(), out->installs.end(),
                   [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
  return true;
}

bool upgrade(const store::Store& s, store::WriteBatch* b, std::string* error) {
  bool ok = true;
  s.scan(keys::pico_prefix(), [&](std::string_view key, std::string_view value) {
    std::string id;
    PicoRecord r;
    if (!keys::parse_pico(key, &id) || !decode_record(std::string(value), &r, error)) {
      *error = "cannot upgrade pico record " + std::string(key) + ": " + *error;
      ok = false;
      return false;
    }
    std::int64_t order = 0;
    for (const std::string& eci : r.legacy_children) put_child(b, id, eci, order++);
    put_pico(b, id, r);  // rewritten without the children list
    return true;
  });
  return ok;
}

}  // namespace spime::runtime::pico_records
