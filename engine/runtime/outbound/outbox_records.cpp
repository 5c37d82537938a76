#include "engine/runtime/outbound/outbox_records.h"

#include <charconv>
#include <cmath>

#include "engine/krl/value.h"
#include "engine/runtime/records/ids.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::outbox_records {

namespace keys = store::keys;
using krl::Map;
using krl::Value;

namespace {

constexpr const char* kSeqCounter = "outbox_seq";

bool has_control_bytes(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

const Value* field(const Value& m, const char* name) {
  return m.is_map() ? m.as_map().find(name) : nullptr;
}

bool text_field(const Value& m, const char* name, std::string* out) {
  const Value* v = field(m, name);
  if (!v || !v->is_string()) return false;
  *out = v->as_string();
  return true;
}

}  // namespace

std::string normalize_host(std::string host) {
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host;
}

std::string invalid_destination(const std::string& host, const std::string& eci) {
  if (host.empty()) return "host is empty";
  if (has_control_bytes(host)) return "host has control characters";
  if (eci.empty()) return "eci is empty";
  if (has_control_bytes(eci)) return "eci has control characters";
  return "";
}

std::string key(const OutboxRecord& r) {
  return keys::outbox(r.host, r.eci, r.seq);
}

std::string encode_record(const OutboxRecord& r) {
  return krl::encode_json(Value(Map{{"domain", r.domain},
                                    {"name", r.name},
                                    {"created", Value(static_cast<double>(r.created_ms))},
                                    {"body", r.body}}));
}

bool decode_record(const std::string& value, OutboxRecord* r) {
  Value v;
  std::string error;
  if (!krl::parse_json(value, &v, &error) || !v.is_map()) return false;
  if (!text_field(v, "domain", &r->domain) || !text_field(v, "name", &r->name) ||
      !text_field(v, "body", &r->body)) {
    return false;
  }
  const Value* created = field(v, "created");
  if (!created || !created->is_number() || !std::isfinite(created->as_number())) return false;
  r->created_ms = static_cast<std::int64_t>(created->as_number());
  return true;
}

void put(store::WriteBatch* b, const OutboxRecord& r) {
  b->put(key(r), encode_record(r));
}

void erase(store::WriteBatch* b, const OutboxRecord& r) {
  b->erase(key(r));
}

std::string engine_id(store::Store& s, std::string* error) {
  std::string id;
  if (s.get(keys::engine_id(), &id) && is_valid_id(id)) return id;
  id = new_id();
  store::WriteBatch b;
  b.put(keys::engine_id(), id);
  if (!s.write(b, error)) return "";
  return id;
}

std::uint64_t reserved_seq(const store::Store& s) {
  std::string text;
  if (!s.get(keys::counter(kSeqCounter), &text)) return 0;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return v;
}

bool reserve_seq(store::Store& s, std::uint64_t below, std::string* error) {
  store::WriteBatch b;
  b.put(keys::counter(kSeqCounter), std::to_string(below));
  return s.write(b, error);
}

void scan(const store::Store& s, const std::function<void(OutboxRecord&&)>& visit,
          const std::function<void(const std::string& key)>& bad) {
  s.scan(keys::outbox_prefix(), [&](std::string_view k, std::string_view v) {
    OutboxRecord r;
    if (!keys::parse_outbox(k, &r.host, &r.eci, &r.seq) || !decode_record(std::string(v), &r)) {
      if (bad) bad(std::string(k));
      return true;
    }
    visit(std::move(r));
    return true;
  });
}

}  // namespace spime::runtime::outbox_records
