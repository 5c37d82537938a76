#include "engine/runtime/logs/log_records.h"

#include <charconv>

namespace spime::runtime::log_records {
namespace {

bool parse_i64(std::string_view text, std::int64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A non-negative whole number held by a KRL number, or nullopt.
std::optional<std::uint64_t> whole(const krl::Map& m, std::string_view key) {
  const krl::Value* v = m.find(key);
  if (!v || !v->is_number() || v->as_number() < 0 || v->as_number() > 9.0e15) return std::nullopt;
  return static_cast<std::uint64_t>(v->as_number());
}

}  // namespace

std::string meta_var(std::string_view name) {
  return "_log:" + std::string(name);
}

LogMeta decode_meta(const krl::Value& v) {
  LogMeta m;
  if (!v.is_map()) return m;
  const krl::Map& map = v.as_map();
  m.head = whole(map, "head").value_or(0);
  m.next = whole(map, "next").value_or(0);
  if (m.next < m.head) m.next = m.head;
  m.last_ms = static_cast<std::int64_t>(whole(map, "last_ms").value_or(0));
  m.head_ms = static_cast<std::int64_t>(whole(map, "head_ms").value_or(0));
  const krl::Value* keyed = map.find("keyed");
  m.keyed = keyed && keyed->is_bool() && keyed->as_bool();
  m.max_count = whole(map, "max_count");
  if (auto age = whole(map, "max_age_ms")) m.max_age_ms = static_cast<std::int64_t>(*age);
  return m;
}

krl::Value encode_meta(const LogMeta& m) {
  krl::Map map;
  map.set("head", krl::Value(static_cast<double>(m.head)));
  map.set("next", krl::Value(static_cast<double>(m.next)));
  if (m.last_ms != 0) map.set("last_ms", krl::Value(static_cast<double>(m.last_ms)));
  if (m.head_ms != 0) map.set("head_ms", krl::Value(static_cast<double>(m.head_ms)));
  if (m.keyed) map.set("keyed", krl::Value(true));
  if (m.max_count) map.set("max_count", krl::Value(static_cast<double>(*m.max_count)));
  if (m.max_age_ms) map.set("max_age_ms", krl::Value(static_cast<double>(*m.max_age_ms)));
  return krl::Value(std::move(map));
}

std::string encode_entry(const LogEntry& e) {
  return encode_entry_text(e.time_ms, e.key, krl::encode_json(e.value));
}

std::string encode_entry_text(std::int64_t time_ms, std::string_view key, std::string_view json) {
  std::string out = std::to_string(time_ms);
  out.reserve(out.size() + key.size() + json.size() + 8);
  out += ' ';
  out += std::to_string(key.size());
  out += ' ';
  out += key;
  out += json;
  return out;
}

bool decode_entry_time(std::string_view text, std::int64_t* time_ms) {
  size_t sp = text.find(' ');
  return sp != std::string_view::npos && parse_i64(text.substr(0, sp), time_ms);
}

bool decode_entry(std::string_view text, LogEntry* out) {
  size_t sp1 = text.find(' ');
  if (sp1 == std::string_view::npos || !parse_i64(text.substr(0, sp1), &out->time_ms)) {
    return false;
  }
  size_t sp2 = text.find(' ', sp1 + 1);
  std::int64_t key_len = 0;
  if (sp2 == std::string_view::npos || !parse_i64(text.substr(sp1 + 1, sp2 - sp1 - 1), &key_len) ||
      key_len < 0 || static_cast<size_t>(key_len) > text.size() - sp2 - 1) {
    return false;
  }
  out->key.assign(text.substr(sp2 + 1, static_cast<size_t>(key_len)));
  std::string err;
  // Written by encode_json: as deep as any value a pico can hold.
  return krl::parse_json(text.substr(sp2 + 1 + static_cast<size_t>(key_len)), &out->value, &err,
                         1 << 16);
}

std::string encode_number(std::uint64_t n) {
  return std::to_string(n);
}

bool decode_number(std::string_view text, std::uint64_t* n) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace spime::runtime::log_records
