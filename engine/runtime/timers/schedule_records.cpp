#include "engine/runtime/timers/schedule_records.h"

#include <map>
#include <vector>

#include "engine/runtime/records/entity_records.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime::schedule_records {

namespace keys = store::keys;
using krl::Map;
using krl::Value;

namespace {

const Value* field(const Value& m, const char* name) {
  return m.is_map() ? m.as_map().find(name) : nullptr;
}

std::string text(const Value& m, const char* name) {
  const Value* v = field(m, name);
  return v && v->is_string() ? v->as_string() : std::string();
}

Value event_value(const std::string& eci, const std::string& domain, const std::string& name,
                  const Value& attrs) {
  return Value(Map{{"eci", eci},
                   {"domain", domain},
                   {"name", name},
                   {"data", Value(Map{{"attrs", attrs.is_map() ? attrs : Value(Map())}})},
                   {"time", 0}});
}

}  // namespace

Value at_entry(const std::string& id, double time_ms, const std::string& eci,
               const std::string& domain, const std::string& name, const Value& attrs) {
  return Value(Map{{"id", id},
                   {"type", "at"},
                   {"time", Value(time_ms)},
                   {"event", event_value(eci, domain, name, attrs)}});
}

Value repeat_entry(const std::string& id, const std::string& timespec, const std::string& eci,
                   const std::string& domain, const std::string& name, const Value& attrs) {
  return Value(Map{{"id", id},
                   {"type", "repeat"},
                   {"timespec", timespec},
                   {"event", event_value(eci, domain, name, attrs)}});
}

std::string id_of(const Value& entry) {
  return text(entry, "id");
}

bool is_repeat(const Value& entry) {
  return text(entry, "type") == "repeat";
}

std::string timespec_of(const Value& entry) {
  return text(entry, "timespec");
}

EntryEvent event_of(const Value& entry) {
  EntryEvent e;
  const Value* ev = field(entry, "event");
  if (!ev) return e;
  e.eci = text(*ev, "eci");
  e.domain = text(*ev, "domain");
  e.name = text(*ev, "name");
  const Value* data = field(*ev, "data");
  const Value* attrs = data ? field(*data, "attrs") : nullptr;
  e.attrs = attrs && attrs->is_map() ? *attrs : Value(Map());
  return e;
}

void put_due(store::WriteBatch* b, std::uint64_t due_ms, const std::string& id,
             const std::string& pico_id, const std::string& rid) {
  b->put(keys::schedule_due(due_ms, id),
         krl::encode_json(Value(Map{{"pico", pico_id}, {"rid", rid}})));
}

void erase_due(store::WriteBatch* b, std::uint64_t due_ms, const std::string& id) {
  b->erase(keys::schedule_due(due_ms, id));
}

Value load_entry(const store::Store& s, const std::string& pico_id, const std::string& rid,
                 const std::string& id) {
  return entity_records::read_stored_entry(s, pico_id, rid, kScheduleVar, id);
}

void due(const store::Store& s, std::uint64_t now_ms, size_t limit,
         const std::function<void(const std::string&, const std::string&, const std::string&,
                                  const std::string&)>& visit) {
  struct Due {
    std::string key, id, pico, rid;
  };
  std::vector<Due> found;
  s.scan(keys::schedule_due_prefix(), [&](std::string_view key, std::string_view value) {
    std::uint64_t at = 0;
    std::string id;
    if (!keys::parse_schedule_due(key, &at, &id) || at > now_ms) return false;
    Value owner;
    std::string err;
    if (!krl::parse_json(value, &owner, &err)) owner = Value();
    found.push_back(Due{std::string(key), std::move(id), text(owner, "pico"), text(owner, "rid")});
    return found.size() < limit;
  });
  for (const Due& d : found) visit(d.key, d.id, d.pico, d.rid);
}

void upgrade(const store::Store& s, store::WriteBatch* b) {
  // Schema 1: s/<id> {"id","picoId","rid","event":{"eci","domain","name","attrs"},
  // "type":"at","time"|"type":"repeat","timespec"}; t/ keys with empty values.
  std::map<std::pair<std::string, std::string>, Map> vars;           // (pico, rid) -> _schedule
  std::map<std::string, std::pair<std::string, std::string>> owner;  // id -> (pico, rid)
  s.scan(keys::schedule_prefix(), [&](std::string_view key, std::string_view value) {
    Value rec;
    std::string err;
    b->erase(key);
    if (!krl::parse_json(value, &rec, &err, 1 << 16) || !rec.is_map()) return true;  // dropped
    std::string id = text(rec, "id"), pico = text(rec, "picoId"), rid = text(rec, "rid");
    const Value* ev = field(rec, "event");
    if (id.empty() || pico.empty() || rid.empty() || !ev) return true;
    const Value* attrs = field(*ev, "attrs");
    Value entry =
        text(rec, "type") == "repeat"
            ? repeat_entry(id, text(rec, "timespec"), text(*ev, "eci"), text(*ev, "domain"),
                           text(*ev, "name"), attrs ? *attrs : Value(Map()))
            : at_entry(id,
                       field(rec, "time") && field(rec, "time")->is_number()
                           ? field(rec, "time")->as_number()
                           : 0,
                       text(*ev, "eci"), text(*ev, "domain"), text(*ev, "name"),
                       attrs ? *attrs : Value(Map()));
    vars[{pico, rid}].set(id, std::move(entry));
    owner[id] = {pico, rid};
    return true;
  });
  for (auto& [key, map] : vars) {
    pico_records::put_entvar(b, key.first, key.second, kScheduleVar,
                             krl::encode_json(Value(std::move(map))));
  }
  s.scan(keys::schedule_due_prefix(), [&](std::string_view key, std::string_view) {
    std::uint64_t at = 0;
    std::string id;
    if (!keys::parse_schedule_due(key, &at, &id)) return true;
    auto o = owner.find(id);
    if (o == owner.end()) {
      b->erase(key);
    } else {
      put_due(b, at, id, o->second.first, o->second.second);
    }
    return true;
  });
}

}  // namespace spime::runtime::schedule_records
