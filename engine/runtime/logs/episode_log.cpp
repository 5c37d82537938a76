#include "engine/runtime/logs/episode_log.h"

#include <cstdio>

#include "engine/krl/stdlib/stdlib.h"
#include "engine/runtime/logs/log_records.h"
#include "engine/runtime/logs/pico_log.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

using krl::Map;
using krl::Value;

namespace {

// `s` as a JSON string (UTF-8 passes through; control characters are escaped).
void append_quoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          *out += esc;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void append_member(std::string* out, std::string_view name, std::string_view value) {
  out->push_back(',');
  append_quoted(out, name);
  out->push_back(':');
  append_quoted(out, value);
}

// The log's one name: the storage below knows only one log per pico.
constexpr std::string_view kLog = "episodes";

// pico_log.h's storage over the store (reads: committed entries) and one
// batch (writes), with the log's state kept by the pico.
class EpisodeStorage final : public LogStorage {
 public:
  EpisodeStorage(const store::Store& store, const std::string& pico_id, EpisodeLogState& state,
                 store::WriteBatch& batch)
      : store_(store), pico_id_(pico_id), state_(state), batch_(batch) {}

  Value meta(std::string_view) override { return state_.meta; }
  void set_meta(std::string_view, const Value& meta) override {
    state_.meta = meta;
    batch_.put(store::keys::episode_state(pico_id_), krl::encode_json(meta));
  }
  bool read_entry(std::string_view, std::uint64_t seq, std::string* text) override {
    if (store_.get(store::keys::episode(pico_id_, seq), text)) return true;
    // Not durable yet (a recent batch): no older than the newest entry, so
    // retention by age never drops it early.
    log_records::LogMeta m = log_records::decode_meta(state_.meta);
    if (seq < m.head || seq >= m.next) return false;
    *text = log_records::encode_entry_text(m.last_ms, "", "null");
    return true;
  }
  void write_entry(std::string_view, std::uint64_t seq, std::string text) override {
    batch_.put(store::keys::episode(pico_id_, seq), text);
  }
  void erase_entry(std::string_view, std::uint64_t seq) override {
    batch_.erase(store::keys::episode(pico_id_, seq));
  }
  // Episodes have no keys.
  std::optional<std::uint64_t> read_key(std::string_view, std::string_view) override {
    return std::nullopt;
  }
  void write_key(std::string_view, std::string_view, std::uint64_t) override {}
  void erase_key(std::string_view, std::string_view) override {}
  void erase_all(std::string_view) override {
    batch_.erase_prefix(store::keys::episode_prefix(pico_id_));
  }

 private:
  const store::Store& store_;
  const std::string& pico_id_;
  EpisodeLogState& state_;
  store::WriteBatch& batch_;
};

Value parse_meta(const std::string& text) {
  Value v;
  std::string err;
  if (!krl::parse_json(text, &v, &err)) return Value();
  return v;
}

std::string iso(std::int64_t ms) {
  try {
    return krl::stdlib::iso_time(static_cast<double>(ms));
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

void EpisodeRecorder::begin(std::int64_t time_ms, std::string_view open) {
  if (lines_.empty()) {
    base_ms_ = time_ms;
  } else {
    lines_.push_back(',');
  }
  lines_ += open;
  lines_ += std::to_string(time_ms - base_ms_);
}

void EpisodeRecorder::rule_selected(std::int64_t time_ms, std::string_view rid,
                                    std::string_view rule) {
  begin(time_ms, "[\"s\",");
  lines_.push_back(',');
  append_quoted(&lines_, rid);
  lines_.push_back(',');
  append_quoted(&lines_, rule);
  lines_.push_back(']');
}

void EpisodeRecorder::rule_ran(std::int64_t time_ms, bool fired) {
  begin(time_ms, fired ? "[\"f\"," : "[\"n\",");
  lines_.push_back(']');
}

void EpisodeRecorder::scheduled(std::int64_t time_ms, std::string_view event_json) {
  begin(time_ms, "[\"e\",");
  lines_.push_back(',');
  lines_ += event_json;
  lines_.push_back(']');
}

void EpisodeRecorder::done(std::int64_t time_ms) {
  begin(time_ms, "[\"d\",");
  lines_.push_back(']');
}

void EpisodeRecorder::line(std::int64_t time_ms, std::string_view level, std::string_view msg,
                           Fields strings, std::string_view json_name, std::string_view json) {
  begin(time_ms, "{\"t\":");
  append_member(&lines_, "level", level);
  append_member(&lines_, "msg", msg);
  for (const auto& [name, value] : strings) append_member(&lines_, name, value);
  if (!json_name.empty()) {
    lines_.push_back(',');
    append_quoted(&lines_, json_name);
    lines_.push_back(':');
    lines_ += json.empty() ? std::string_view("null") : json;
  }
  lines_.push_back('}');
}

namespace {

void append_event_members(std::string* out, const EpisodeEvent& e) {
  out->push_back('{');
  append_quoted(out, "eid");
  out->push_back(':');
  append_quoted(out, e.eid);
  append_member(out, "eci", e.eci);
  append_member(out, "domain", e.domain);
  append_member(out, "type", e.name);
  *out += ",\"attrs\":";
  *out += e.attrs_json.empty() ? std::string_view("{}") : std::string_view(e.attrs_json);
  *out += ",\"time\":";
  *out += std::to_string(e.time_ms);
}

// Closes the kind's object and adds what every episode ends with: the
// recorder's base time and its lines.
void append_episode_end(std::string* out, const EpisodeRecorder& lines) {
  *out += "},\"t0\":";
  *out += std::to_string(lines.base_ms());
  *out += ",\"lines\":";
  *out += lines.lines_json();
  out->push_back('}');
}

}  // namespace

std::string episode_json(const EpisodeEvent& event, const EpisodeRecorder& lines) {
  std::string out = "{\"txnId\":";
  append_quoted(&out, event.eid);
  out += ",\"kind\":\"event\",\"event\":";
  append_event_members(&out, event);
  append_episode_end(&out, lines);
  return out;
}

std::string query_episode_json(const EpisodeQuery& query, const EpisodeRecorder& lines) {
  std::string out = "{\"txnId\":";
  append_quoted(&out, query.txn_id);
  out += ",\"kind\":\"query\",\"query\":{\"eci\":";
  append_quoted(&out, query.eci);
  append_member(&out, "rid", query.rid);
  append_member(&out, "name", query.name);
  out += ",\"args\":";
  out += query.args_json.empty() ? std::string_view("{}") : std::string_view(query.args_json);
  append_episode_end(&out, lines);
  return out;
}

std::string stream_data(std::uint64_t seq, const EpisodeEvent& event) {
  std::string out;
  out.reserve(event.attrs_json.size() + 160);
  append_event_members(&out, event);
  out += ",\"seq\":";
  out += std::to_string(seq);
  out += '}';
  return out;
}

std::string member_stream_data(std::string_view member_id, const EpisodeEvent& reading) {
  std::string out = "{\"member\":";
  out.reserve(reading.attrs_json.size() + 160);
  append_quoted(&out, member_id);
  append_member(&out, "eid", reading.eid);
  append_member(&out, "domain", reading.domain);
  append_member(&out, "type", reading.name);
  out += ",\"attrs\":";
  out += reading.attrs_json.empty() ? std::string_view("{}") : std::string_view(reading.attrs_json);
  out += ",\"time\":";
  out += std::to_string(reading.time_ms);
  out += '}';
  return out;
}

std::uint64_t append_episode(const store::Store& store, const std::string& pico_id,
                             EpisodeLogState& state, const EpisodeLogOptions& options,
                             std::int64_t now_ms, std::string json, store::WriteBatch& batch) {
  if (!state.loaded) {
    std::string text;
    state.meta = store.get(store::keys::episode_state(pico_id), &text) ? parse_meta(text) : Value();
    state.loaded = true;
  }
  EpisodeStorage storage(store, pico_id, state, batch);
  AppendOptions append;
  append.max_count = options.max_count;
  append.max_age_ms = options.max_age_ms;
  return log_append_json(storage, kLog, std::move(json), now_ms, append).seq;
}

std::vector<StoredEpisode> read_episodes(const store::Store& store, std::string_view pico_id,
                                         std::optional<std::uint64_t> after, std::size_t limit,
                                         std::int64_t oldest_ms) {
  std::vector<StoredEpisode> out;
  if (limit == 0) return out;
  const std::string prefix = store::keys::episode_prefix(pico_id);
  const std::string begin = after ? store::keys::episode(pico_id, *after + 1) : prefix;
  store.scan_range(begin, store::keys::prefix_end(prefix),
                   [&](std::string_view key, std::string_view value) {
                     StoredEpisode e;
                     std::string id;
                     log_records::LogEntry entry;
                     if (!store::keys::parse_episode(key, &id, &e.seq) ||
                         !log_records::decode_entry(value, &entry)) {
                       return true;  // not one of ours: skip it
                     }
                     if (entry.time_ms < oldest_ms) return true;
                     e.time_ms = entry.time_ms;
                     e.value = std::move(entry.value);
                     out.push_back(std::move(e));
                     return out.size() < limit;
                   });
  return out;
}

std::vector<StoredEpisode> newest_episodes(const store::Store& store, std::string_view pico_id,
                                           std::size_t limit, std::int64_t oldest_ms) {
  std::string text;
  if (limit == 0 || !store.get(store::keys::episode_state(pico_id), &text)) return {};
  log_records::LogMeta m = log_records::decode_meta(parse_meta(text));
  std::optional<std::uint64_t> after;
  if (m.next > limit && m.next - limit > m.head) after = m.next - limit - 1;
  return read_episodes(store, pico_id, after, limit, oldest_ms);
}

bool episode_event(const Value& episode, EpisodeEvent* out) {
  const Value* ev = episode.is_map() ? episode.as_map().find("event") : nullptr;
  if (!ev || !ev->is_map()) return false;
  const Map& m = ev->as_map();
  auto text = [&m](std::string_view k) {
    const Value* v = m.find(k);
    return v && v->is_string() ? v->as_string() : std::string();
  };
  out->eid = text("eid");
  out->eci = text("eci");
  out->domain = text("domain");
  out->name = text("type");
  const Value* attrs = m.find("attrs");
  out->attrs_json = attrs ? krl::encode_json(*attrs) : "{}";
  const Value* time = m.find("time");
  out->time_ms = time && time->is_number() ? static_cast<std::int64_t>(time->as_number()) : 0;
  return true;
}

void reference_entries(const StoredEpisode& episode, krl::Array* out) {
  if (!episode.value.is_map()) return;
  const Map& ep = episode.value.as_map();
  const Value* txn_id = ep.find("txnId");
  const Value id = txn_id ? *txn_id : Value("");
  const Value* ev = ep.find("event");
  if (ev && ev->is_map()) {
    const Map& e = ev->as_map();
    auto get = [&e](std::string_view k) {
      const Value* v = e.find(k);
      return v ? *v : Value();
    };
    const Value time = get("time");
    Map event{{"eci", get("eci")},
              {"domain", get("domain")},
              {"name", get("type")},
              {"data", Value(Map{{"attrs", get("attrs")}})},
              {"time", time}};
    Map txn{{"id", id}, {"kind", Value("event")}, {"event", Value(std::move(event))}};
    out->push_back(
        Value(Map{{"level", Value("debug")},
                  {"time", Value(iso(time.is_number() ? static_cast<std::int64_t>(time.as_number())
                                                      : episode.time_ms))},
                  {"txnId", id},
                  {"msg", Value("txnQueued")},
                  {"txn", Value(std::move(txn))}}));
  }
  const Value* t0v = ep.find("t0");
  const std::int64_t t0 =
      t0v && t0v->is_number() ? static_cast<std::int64_t>(t0v->as_number()) : episode.time_ms;
  const Value* query = ep.find("query");
  if (query && query->is_map()) {
    Map txn{{"id", id}, {"kind", Value("query")}, {"query", *query}};
    out->push_back(Value(Map{{"level", Value("debug")},
                             {"time", Value(iso(t0))},
                             {"txnId", id},
                             {"msg", Value("txnQueued")},
                             {"txn", Value(std::move(txn))}}));
  }
  const Value* lines = ep.find("lines");
  if (!lines || !lines->is_array()) return;
  auto at = [t0](const Value* dt) {
    return Value(
        iso(t0 + (dt && dt->is_number() ? static_cast<std::int64_t>(dt->as_number()) : 0)));
  };
  auto entry_of = [&id](Value time, const char* level, const char* msg) {
    return Map{
        {"level", Value(level)}, {"time", std::move(time)}, {"txnId", id}, {"msg", Value(msg)}};
  };
  Value rid, rule;  // of the rule selected last
  for (const Value& line : lines->as_array()) {
    if (line.is_array()) {
      const krl::Array& a = line.as_array();
      if (a.empty() || !a[0].is_string()) continue;
      const std::string& code = a[0].as_string();
      const Value* dt = a.size() > 1 ? &a[1] : nullptr;
      if (code == "s" && a.size() >= 4) {
        rid = a[2];
        rule = a[3];
        Map e = entry_of(at(dt), "debug", "rule selected");
        e.set("rid", rid);
        e.set("rule_name", rule);
        out->push_back(Value(std::move(e)));
      } else if (code == "f" || code == "n") {
        Map e = entry_of(at(dt), "debug", code == "f" ? "fired" : "not fired");
        e.set("rid", rid);
        e.set("rule_name", rule);
        out->push_back(Value(std::move(e)));
      } else if (code == "e" && a.size() >= 3 && a[2].is_map()) {
        Map scheduled = a[2].as_map();
        // The incoming event's line leaves its attributes to the episode's event (kept once).
        if (!scheduled.contains("data") && ev && ev->is_map()) {
          const Value* attrs = ev->as_map().find("attrs");
          scheduled.set("data", Value(Map{{"attrs", attrs ? *attrs : Value(Map())}}));
        }
        Map e = entry_of(at(dt), "debug", "event added to schedule");
        e.set("event", Value(std::move(scheduled)));
        out->push_back(Value(std::move(e)));
      } else if (code == "d") {
        out->push_back(Value(entry_of(at(dt), "debug", "txnDone")));
      }
      continue;
    }
    if (!line.is_map()) continue;
    const Map& l = line.as_map();
    Map entry;
    entry.set("level", l.find("level") ? *l.find("level") : Value("debug"));
    entry.set("time", at(l.find("t")));
    entry.set("txnId", id);
    entry.set("msg", l.find("msg") ? *l.find("msg") : Value(""));
    for (const auto& [k, v] : l) {
      if (k == "t" || k == "level" || k == "msg") continue;
      entry.set(k, v);
    }
    out->push_back(Value(std::move(entry)));
  }
}

}  // namespace spime::runtime
