#include "engine/runtime/timers/schedule_records.h"

#include <algorithm>
#include <vector>

#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::schedule_records {

namespace keys = store::keys;
using krl::Map;
using krl::Value;

namespace {

std::uint64_t due_of(double ms) {
  return static_cast<std::uint64_t>(std::max(0.0, ms));
}

std::string text(const Map& m, const char* field) {
  const Value* v = m.find(field);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

Value to_value(const ScheduleRecord& r) {
  Map m;
  m.set("id", r.id);
  m.set("picoId", r.pico_id);
  m.set("rid", r.rid);
  m.set("event", Value(Map{{"eci", r.eci},
                           {"domain", r.domain},
                           {"name", r.name},
                           {"attrs", r.attrs.is_map() ? r.attrs : Value(Map())}}));
  if (r.kind == ScheduleRecord::Kind::kRepeat) {
    m.set("type", "repeat");
    m.set("timespec", r.timespec);
  } else {
    m.set("type", "at");
    m.set("time", Value(r.at_ms));
  }
  return Value(std::move(m));
}

bool decode(const std::string& json, ScheduleRecord* out, std::string* error) {
  Value v;
  // Written by us; the attributes may nest deeper than requests are allowed to.
  if (!krl::parse_json(json, &v, error, 1 << 16)) return false;
  if (!v.is_map()) {
    *error = "schedule record is not a JSON object";
    return false;
  }
  const Map& m = v.as_map();
  out->id = text(m, "id");
  out->pico_id = text(m, "picoId");
  out->rid = text(m, "rid");
  const Value* ev = m.find("event");
  if (!ev || !ev->is_map()) {
    *error = "schedule record has no event";
    return false;
  }
  out->eci = text(ev->as_map(), "eci");
  out->domain = text(ev->as_map(), "domain");
  out->name = text(ev->as_map(), "name");
  const Value* attrs = ev->as_map().find("attrs");
  out->attrs = attrs && attrs->is_map() ? *attrs : Value(Map());
  if (text(m, "type") == "repeat") {
    out->kind = ScheduleRecord::Kind::kRepeat;
    out->timespec = text(m, "timespec");
  } else {
    out->kind = ScheduleRecord::Kind::kAt;
    const Value* t = m.find("time");
    out->at_ms = t && t->is_number() ? t->as_number() : 0;
  }
  return true;
}

void put(store::WriteBatch* b, const ScheduleRecord& r, std::optional<std::uint64_t> first_due_ms) {
  if (first_due_ms) b->put(keys::schedule_due(*first_due_ms, r.id), "");
  b->put(keys::schedule(r.id), krl::encode_json(to_value(r)));
}

void erase(store::WriteBatch* b, const ScheduleRecord& r) {
  b->erase(keys::schedule(r.id));
  if (r.kind == ScheduleRecord::Kind::kAt) b->erase(keys::schedule_due(due_of(r.at_ms), r.id));
}

void fired(store::WriteBatch* b, const std::string& due_key, const std::string& id,
           std::optional<std::uint64_t> next_ms) {
  b->erase(due_key);
  if (next_ms) {
    // A repeat keeps its record; only its due key moves. A schedule:remove
    // racing with this leaves a due key without a record, dropped when due.
    b->put(keys::schedule_due(*next_ms, id), "");
  } else {
    b->erase(keys::schedule(id));
  }
}

bool load(const store::Store& s, const std::string& id, ScheduleRecord* out) {
  std::string json, err;
  return s.get(keys::schedule(id), &json) && decode(json, out, &err);
}

void for_pico(const store::Store& s, const std::string& pico_id,
              const std::function<void(const ScheduleRecord&)>& visit) {
  // Every schedule of the engine: a per-pico index would make this cost
  // proportional to the pico's own schedules.
  s.scan(keys::schedule_prefix(), [&](std::string_view, std::string_view v) {
    ScheduleRecord r;
    std::string err;
    if (decode(std::string(v), &r, &err) && r.pico_id == pico_id) visit(r);
    return true;
  });
}

void due(const store::Store& s, std::uint64_t now_ms, size_t limit,
         const std::function<void(const std::string& due_key, const std::string& id)>& visit) {
  size_t n = 0;
  s.scan(keys::schedule_due_prefix(), [&](std::string_view key, std::string_view) {
    std::uint64_t at = 0;
    std::string id;
    if (!keys::parse_schedule_due(key, &at, &id) || at > now_ms) return false;
    visit(std::string(key), id);
    return ++n < limit;
  });
}

}  // namespace spime::runtime::schedule_records
