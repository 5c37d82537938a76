#include "engine/runtime/records/local_delivery_records.h"

#include "engine/krl/value.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::local_delivery_records {

namespace keys = store::keys;

using krl::Map;
using krl::Value;

namespace {

bool text_field(const Map& m, const char* name, std::string* out) {
  const Value* v = m.find(name);
  if (!v || !v->is_string()) return false;
  *out = v->as_string();
  return true;
}

}  // namespace

void put(store::WriteBatch* b, const OutgoingEvent& e) {
  b->put(keys::local_delivery(e.local_seq), encode_record(e));
}

void erase(store::WriteBatch* b, std::uint64_t seq) {
  b->erase(keys::local_delivery(seq));
}

std::string encode_record(const OutgoingEvent& e) {
  // The attrs are shared, not copied (a Value is a handle).
  return krl::encode_json(Value(Map{{"eci", e.eci},
                                    {"domain", e.domain},
                                    {"name", e.name},
                                    {"from", e.from_pico_id},
                                    {"attrs", e.attrs.is_map() ? e.attrs : Value(Map())}}));
}

bool decode_record(std::string_view value, OutgoingEvent* e) {
  Value v;
  std::string error;
  if (!krl::parse_json(value, &v, &error) || !v.is_map()) return false;
  const Map& m = v.as_map();
  if (!text_field(m, "eci", &e->eci) || !text_field(m, "domain", &e->domain) ||
      !text_field(m, "name", &e->name) || !text_field(m, "from", &e->from_pico_id)) {
    return false;
  }
  const Value* attrs = m.find("attrs");
  if (!attrs || !attrs->is_map()) return false;
  e->attrs = *attrs;
  return true;
}

void scan(const store::Store& s, const std::function<void(OutgoingEvent&&)>& visit,
          const std::function<void(const std::string& key)>& bad) {
  s.scan(keys::local_delivery_prefix(), [&](std::string_view k, std::string_view v) {
    OutgoingEvent e;
    if (!keys::parse_local_delivery(k, &e.local_seq) || !decode_record(v, &e)) {
      if (bad) bad(std::string(k));
      return true;
    }
    visit(std::move(e));
    return true;
  });
}

}  // namespace spime::runtime::local_delivery_records
