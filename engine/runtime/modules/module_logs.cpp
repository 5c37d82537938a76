// The `logs` module: append-only, time-ordered logs kept by the calling
// ruleset on its pico (runtime/logs/pico_log.h has the costs, log_records.h
// the formats). Named `logs`, not `log`: `log` starts KRL's log statement.
//
//   logs:append(name, entry, options)   action or function; in events only.
//       options: {"key": unique key (a repeat appends nothing, answers null),
//                 "max_count": N, "max_age_seconds": S} (retention, kept
//       until an append says otherwise). Answers the new entry's cursor.
//   logs:range(name, options)   {"entries": [{"cursor", "time" (ISO 8601
//       receipt time), "entry"}], "next": cursor or null}, newest first.
//       options: {"limit" (1..1000, default 25), "since", "until" (ISO text
//       or ms since the epoch, both inclusive), "cursor" (a page's "next"),
//       "order": "newest" | "oldest"}.
//   logs:count(name)   live entries.
//   logs:has(name, key)   whether an entry with that key is kept.
//   logs:clear(name)   action: drops every entry (numbering goes on).
//
// A log name is 1..64 of [A-Za-z0-9_.-]; a key is 1..256 bytes. Bad
// arguments throw KrlError naming the call.
#include <cmath>
#include <string>

#include "engine/krl/error.h"
#include "engine/krl/stdlib/stdlib.h"
#include "engine/runtime/logs/log_records.h"
#include "engine/runtime/logs/pico_log.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/store/keys.h"

namespace spime::runtime {

using krl::Array;
using krl::BoundArgs;
using krl::EvalContext;
using krl::KrlError;
using krl::Map;
using krl::Value;

namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxKeyBytes = 256;

// The logs of the running ruleset on the running pico, through the schedule's overlay.
class HostLogStorage : public LogStorage {
 public:
  explicit HostLogStorage(RuntimeHost& h) : h_(h), pico_(h.pico().id()), rid_(h.current_rid()) {}

  Value meta(std::string_view log) override { return h_.get_ent(rid_, log_records::meta_var(log)); }
  void set_meta(std::string_view log, const Value& meta) override {
    h_.put_ent(rid_, log_records::meta_var(log), meta);
  }
  bool read_entry(std::string_view log, std::uint64_t seq, std::string* text) override {
    return h_.get_raw(rid_, store::keys::log_entry(pico_, rid_, log, seq), text);
  }
  void read_entries(std::string_view log, std::uint64_t lo, std::uint64_t hi,
                    std::vector<std::pair<std::uint64_t, std::string>>* out) override {
    PicoState::RawRange range;
    h_.get_raw_range(rid_, store::keys::log_entry(pico_, rid_, log, lo),
                     store::keys::log_entry(pico_, rid_, log, hi), &range);
    std::string pico, rid, name;
    std::uint64_t seq = 0;
    for (auto& [key, text] : range) {
      if (text && store::keys::parse_log_entry(key, &pico, &rid, &name, &seq)) {
        out->emplace_back(seq, std::move(*text));
      }
    }
  }
  void write_entry(std::string_view log, std::uint64_t seq, std::string text) override {
    h_.put_raw(rid_, store::keys::log_entry(pico_, rid_, log, seq), std::move(text));
  }
  void erase_entry(std::string_view log, std::uint64_t seq) override {
    h_.erase_raw(rid_, store::keys::log_entry(pico_, rid_, log, seq));
  }
  std::optional<std::uint64_t> read_key(std::string_view log, std::string_view key) override {
    std::string text;
    std::uint64_t seq = 0;
    if (!h_.get_raw(rid_, store::keys::log_key(pico_, rid_, log, key), &text) ||
        !log_records::decode_number(text, &seq)) {
      return std::nullopt;
    }
    return seq;
  }
  void write_key(std::string_view log, std::string_view key, std::uint64_t seq) override {
    h_.put_raw(rid_, store::keys::log_key(pico_, rid_, log, key), log_records::encode_number(seq));
  }
  void erase_key(std::string_view log, std::string_view key) override {
    h_.erase_raw(rid_, store::keys::log_key(pico_, rid_, log, key));
  }
  void erase_all(std::string_view log) override {
    // The entries' and the keys' prefixes: each log's keys end its prefix with the separator.
    std::string entries = store::keys::log_entry(pico_, rid_, log, 0);
    entries.resize(entries.size() - 20);
    h_.erase_raw_prefix(rid_, entries);
    std::string keys = store::keys::log_key(pico_, rid_, log, "");
    h_.erase_raw_prefix(rid_, keys);
  }

 private:
  RuntimeHost& h_;
  std::string pico_, rid_;
};

std::string log_name(const Value& v, const char* what) {
  if (!v.is_string()) throw KrlError(std::string(what) + ": the log name must be a string");
  const std::string& s = v.as_string();
  bool ok = !s.empty() && s.size() <= kMaxNameBytes;
  for (char c : s) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    throw KrlError(std::string(what) + ": a log name is 1 to 64 of A-Z a-z 0-9 _ . - (got \"" +
                   s.substr(0, kMaxNameBytes) + "\")");
  }
  return s;
}

const Map& options_map(const Value& v, const char* what) {
  static const Map kEmpty;
  if (v.is_null()) return kEmpty;
  if (!v.is_map()) throw KrlError(std::string(what) + ": options must be a map");
  return v.as_map();
}

std::optional<std::uint64_t> whole_option(const Map& m, const char* key, const char* what) {
  const Value* v = m.find(key);
  if (!v || v->is_null()) return std::nullopt;
  double n = v->is_number() ? v->as_number() : std::nan("");
  if (v->is_string()) {
    char* end = nullptr;
    n = std::strtod(v->as_string().c_str(), &end);
    if (v->as_string().empty() || *end != '\0') n = std::nan("");
  }
  if (!(n >= 0) || n > 9.0e15 || n != std::floor(n)) {
    throw KrlError(std::string(what) + ": " + key + " must be a whole number >= 0");
  }
  return static_cast<std::uint64_t>(n);
}

// A time bound: ms since the epoch, or text time:now() understands.
std::optional<std::int64_t> time_option(const Map& m, const char* key, const char* what,
                                        double now_ms) {
  const Value* v = m.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->is_number()) return static_cast<std::int64_t>(v->as_number());
  double ms = 0;
  if (v->is_string() && krl::stdlib::parse_time(v->as_string(), &ms, now_ms)) {
    return static_cast<std::int64_t>(ms);
  }
  throw KrlError(std::string(what) + ": " + key +
                 " must be a time (ISO 8601 text or ms since the epoch)");
}

Value logs_append(EvalContext& ctx, const BoundArgs& a) {
  const char* what = "logs:append";
  RuntimeHost& h = RuntimeHost::from(ctx, what);
  h.throw_if_read_only(what);
  std::string name = log_name(a[0], what);
  check_storable(a[1], what);
  const Map& o = options_map(a[2], what);
  AppendOptions options;
  if (const Value* key = o.find("key"); key && !key->is_null()) {
    options.key = key->is_string() ? key->as_string() : krl::to_string(*key);
    if (options.key.empty() || options.key.size() > kMaxKeyBytes) {
      throw KrlError("logs:append: a key is 1 to 256 bytes");
    }
  }
  options.max_count = whole_option(o, "max_count", what);
  if (auto age = whole_option(o, "max_age_seconds", what)) {
    options.max_age_ms = static_cast<std::int64_t>(*age) * 1000;
  }
  HostLogStorage storage(h);
  AppendResult r = log_append(storage, name, a[1], h.now_ms(), options);
  return r.appended ? Value(log_records::encode_number(r.seq)) : Value();
}

Value logs_range(EvalContext& ctx, const BoundArgs& a) {
  const char* what = "logs:range";
  RuntimeHost& h = RuntimeHost::from(ctx, what);
  std::string name = log_name(a[0], what);
  const Map& o = options_map(a[1], what);
  const std::int64_t now = h.now_ms();
  RangeQuery q;
  if (auto limit = whole_option(o, "limit", what)) {
    if (*limit < 1 || *limit > kMaxRangeLimit) {
      throw KrlError("logs:range: limit must be 1 to " + std::to_string(kMaxRangeLimit));
    }
    q.limit = static_cast<size_t>(*limit);
  }
  q.since_ms = time_option(o, "since", what, static_cast<double>(now));
  q.until_ms = time_option(o, "until", what, static_cast<double>(now));
  if (const Value* c = o.find("cursor"); c && !c->is_null()) {
    std::uint64_t seq = 0;
    std::string text = c->is_string() ? c->as_string() : krl::to_string(*c);
    if (!log_records::decode_number(text, &seq)) {
      throw KrlError("logs:range: cursor \"" + text.substr(0, 40) + "\" is not one of its pages'");
    }
    q.cursor = seq;
  }
  if (const Value* order = o.find("order"); order && !order->is_null()) {
    std::string text = krl::to_string(*order);
    if (text != "newest" && text != "oldest") {
      throw KrlError("logs:range: order must be \"newest\" or \"oldest\"");
    }
    q.oldest_first = text == "oldest";
  }
  HostLogStorage storage(h);
  RangeResult r = log_range(storage, name, q, now);
  Array entries;
  entries.reserve(r.entries.size());
  for (RangeEntry& e : r.entries) {
    Map m;
    m.set("cursor", Value(log_records::encode_number(e.seq)));
    m.set("time", Value(krl::stdlib::iso_time(static_cast<double>(e.entry.time_ms))));
    m.set("entry", std::move(e.entry.value));
    entries.emplace_back(std::move(m));
  }
  Map out;
  out.set("entries", Value(std::move(entries)));
  out.set("next", r.next ? Value(log_records::encode_number(*r.next)) : Value());
  return Value(std::move(out));
}

Value logs_count(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = RuntimeHost::from(ctx, "logs:count");
  HostLogStorage storage(h);
  return Value(static_cast<double>(log_count(storage, log_name(a[0], "logs:count"))));
}

Value logs_has(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = RuntimeHost::from(ctx, "logs:has");
  HostLogStorage storage(h);
  std::string key = a[1].is_string() ? a[1].as_string() : krl::to_string(a[1]);
  return Value(log_has(storage, log_name(a[0], "logs:has"), key));
}

Value logs_clear(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& h = RuntimeHost::from(ctx, "logs:clear");
  h.throw_if_read_only("logs:clear");
  HostLogStorage storage(h);
  log_clear(storage, log_name(a[0], "logs:clear"));
  return Value();
}

}  // namespace

const krl::Module& logs_module() {
  static const krl::Module m{"logs",
                             {
                                 {"append",
                                  {"name", "entry", "options"},
                                  logs_append,
                                  krl::Function::Kind::ActionFunction},
                                 {"range", {"name", "options"}, logs_range},
                                 {"count", {"name"}, logs_count},
                                 {"has", {"name", "key"}, logs_has},
                                 {"clear", {"name"}, logs_clear, krl::Function::Kind::Action},
                             }};
  return m;
}

}  // namespace spime::runtime
