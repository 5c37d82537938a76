#include "engine/runtime/records/records.h"

#include "engine/krl/limits.h"

namespace spime::runtime {

using krl::Array;
using krl::Map;
using krl::Value;

namespace {

Value strings_value(const std::vector<std::string>& v) {
  Array a;
  a.reserve(v.size());
  for (const auto& s : v) a.emplace_back(s);
  return Value(std::move(a));
}

bool parse_object(const std::string& json, Value* out, std::string* error) {
  if (!krl::parse_json(json, out, error, krl::kMaxJsonDepth)) return false;
  if (!out->is_map()) {
    *error = "record is not a JSON object";
    return false;
  }
  return true;
}

bool read_strings(const Value* v, std::vector<std::string>* out, const char* field,
                  std::string* error) {
  out->clear();
  if (!v || v->is_null()) return true;
  if (!v->is_array()) {
    *error = std::string("record field ") + field + " is not an array";
    return false;
  }
  for (const Value& s : v->as_array()) {
    if (!s.is_string()) {
      *error = std::string("record field ") + field + " holds a non-string";
      return false;
    }
    out->push_back(s.as_string());
  }
  return true;
}

bool read_string(const Map& m, const char* field, std::string* out, std::string* error) {
  const Value* v = m.find(field);
  if (!v || !v->is_string()) {
    *error = std::string("record field ") + field + " is missing or not a string";
    return false;
  }
  *out = v->as_string();
  return true;
}

std::int64_t read_int(const Map& m, const char* field) {
  const Value* v = m.find(field);
  return v && v->is_number() ? static_cast<std::int64_t>(v->as_number()) : 0;
}

std::optional<std::string> read_opt_string(const Map& m, const char* field) {
  const Value* v = m.find(field);
  if (v && v->is_string()) return v->as_string();
  return std::nullopt;
}

}  // namespace

std::string encode_record(const PicoRecord& r) {
  Map m;
  m.set("parent", r.parent ? Value(*r.parent) : Value());
  m.set("created", Value(static_cast<double>(r.created_ms)));
  if (r.next_channel_order)
    m.set("channelOrder", Value(static_cast<double>(*r.next_channel_order)));
  if (r.next_child_order) m.set("childOrder", Value(static_cast<double>(*r.next_child_order)));
  if (r.slot) m.set("slot", Value(cluster::slot_text(*r.slot)));
  return krl::encode_json(Value(std::move(m)));
}

std::string encode_record(const ChannelRecord& r) {
  Map m;
  m.set("pico", r.pico_id);
  m.set("tags", strings_value(r.tags));
  m.set("eventPolicy", to_value(r.event_policy));
  m.set("queryPolicy", to_value(r.query_policy));
  m.set("familyChannelPicoID", r.family_pico_id ? Value(*r.family_pico_id) : Value());
  m.set("order", Value(static_cast<double>(r.order)));
  if (!r.attrs_schema.is_null()) m.set("attrsSchema", r.attrs_schema);
  if (r.rate_limit) m.set("rateLimit", rate_limit_value(*r.rate_limit));
  return krl::encode_json(Value(std::move(m)));
}

std::string encode_record(const RulesetRecord& r) {
  Map m;
  m.set("url", r.url);
  m.set("source", r.source);
  m.set("hash", r.hash);
  m.set("flushed", Value(static_cast<double>(r.flushed_ms)));
  return krl::encode_json(Value(std::move(m)));
}

std::string encode_record(const InstallRecord& r) {
  Map m;
  m.set("url", r.url);
  m.set("config", Value(r.config));
  m.set("order", Value(static_cast<double>(r.order)));
  return krl::encode_json(Value(std::move(m)));
}

bool decode_record(const std::string& json, PicoRecord* out, std::string* error) {
  Value v;
  if (!parse_object(json, &v, error)) return false;
  const Map& m = v.as_map();
  out->parent = read_opt_string(m, "parent");
  out->created_ms = read_int(m, "created");
  if (const Value* order = m.find("channelOrder"); order && order->is_number())
    out->next_channel_order = static_cast<std::int64_t>(order->as_number());
  if (const Value* order = m.find("childOrder"); order && order->is_number())
    out->next_child_order = static_cast<std::int64_t>(order->as_number());
  out->slot.reset();
  if (const Value* slot = m.find("slot")) {
    out->slot = slot->is_string() ? cluster::parse_slot_text(slot->as_string()) : std::nullopt;
    if (!out->slot) {
      *error = "pico record: slot is not 3 lower-case hex digits";
      return false;
    }
  }
  return read_strings(m.find("children"), &out->legacy_children, "children", error);
}

bool decode_record(const std::string& json, ChannelRecord* out, std::string* error) {
  Value v;
  if (!parse_object(json, &v, error)) return false;
  const Map& m = v.as_map();
  if (!read_string(m, "pico", &out->pico_id, error)) return false;
  if (!read_strings(m.find("tags"), &out->tags, "tags", error)) return false;
  const Value* ep = m.find("eventPolicy");
  if (ep && !parse_event_policy(*ep, &out->event_policy, error)) return false;
  const Value* qp = m.find("queryPolicy");
  if (qp && !parse_query_policy(*qp, &out->query_policy, error)) return false;
  out->family_pico_id = read_opt_string(m, "familyChannelPicoID");
  out->order = read_int(m, "order");
  const Value* schema = m.find("attrsSchema");
  out->attrs_schema = schema ? *schema : Value();
  out->rate_limit.reset();
  if (const Value* rate = m.find("rateLimit")) {
    ChannelRateLimit r;
    if (!parse_rate_limit(*rate, "rateLimit", &r, error)) return false;
    out->rate_limit = r;
  }
  return true;
}

bool decode_record(const std::string& json, RulesetRecord* out, std::string* error) {
  Value v;
  if (!parse_object(json, &v, error)) return false;
  const Map& m = v.as_map();
  out->flushed_ms = read_int(m, "flushed");
  return read_string(m, "url", &out->url, error) && read_string(m, "source", &out->source, error) &&
         read_string(m, "hash", &out->hash, error);
}

bool decode_record(const std::string& json, InstallRecord* out, std::string* error) {
  Value v;
  if (!parse_object(json, &v, error)) return false;
  const Map& m = v.as_map();
  if (!read_string(m, "url", &out->url, error)) return false;
  const Value* c = m.find("config");
  out->config = c && c->is_map() ? c->as_map() : Map();
  out->order = read_int(m, "order");
  return true;
}

krl::Value channel_to_value(const ChannelRecord& c) {
  Map m;
  m.set("id", c.eci);
  m.set("tags", strings_value(c.tags));
  m.set("eventPolicy", to_value(c.event_policy));
  m.set("queryPolicy", to_value(c.query_policy));
  m.set("familyChannelPicoID", c.family_pico_id ? Value(*c.family_pico_id) : Value());
  if (!c.attrs_schema.is_null()) m.set("attrsSchema", c.attrs_schema);
  if (c.rate_limit) m.set("rateLimit", rate_limit_value(*c.rate_limit));
  return Value(std::move(m));
}

}  // namespace spime::runtime
