#include "engine/runtime/local_services.h"

#include <chrono>

#include "engine/runtime/event_schedule.h"
#include "engine/runtime/ids.h"
#include "engine/runtime/pico_state.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace keys = store::keys;

LocalServices::LocalServices(store::Store& store, RulesetRegistry& registry)
    : store_(store), registry_(registry) {}

std::int64_t LocalServices::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string LocalServices::new_id() {
  return runtime::new_id();
}

std::optional<ChannelRecord> LocalServices::channel(const std::string& eci) {
  if (!is_valid_id(eci)) return std::nullopt;
  std::string raw, err;
  ChannelRecord c;
  if (!store_.get(keys::channel(eci), &raw) || !decode_record(raw, &c, &err)) return std::nullopt;
  c.eci = eci;
  return c;
}

QueryOutcome LocalServices::query(const std::string& eci, const std::string& rid,
                                  const std::string& name, const krl::Map& args) {
  QueryOutcome out;
  auto c = channel(eci);
  if (!c) {
    out.status = 404;
    out.error = "ECI not found: " + eci;
    return out;
  }
  if (auto denied = check_query(c->query_policy, rid, name)) {
    out.status = 403;
    out.error = *denied;
    return out;
  }
  std::string err;
  auto pico = PicoState::load(store_, *this, c->pico_id, &err);
  if (!pico) {
    out.status = 404;
    out.error = err;
    return out;
  }
  krl::Args a;
  for (const auto& [k, v] : args) a.named.emplace_back(k, v);
  return run_query(*pico, eci, rid, name, a, *this);
}

std::string LocalServices::ensure_root_pico(std::string* error) {
  std::string id;
  if (store_.get(keys::root_pico(), &id)) return id;
  id = new_id();
  PicoRecord rec;
  rec.created_ms = now_ms();
  ChannelRecord c;
  c.eci = new_id();
  c.pico_id = id;
  c.tags = {"system", "self"};
  store::WriteBatch b;
  b.put(keys::pico(id), encode_record(rec));
  b.put(keys::channel(c.eci), encode_record(c));
  b.put(keys::pico_channel(id, c.eci), "");
  b.put(keys::root_pico(), id);
  if (!store_.write(b, error)) return "";
  return id;
}

std::string LocalServices::first_eci(const std::string& pico_id) {
  std::string err;
  auto p = PicoState::load(store_, *this, pico_id, &err);
  if (!p) return "";
  auto chans = p->channels_in_order();
  return chans.empty() ? "" : chans.front()->eci;
}

bool LocalServices::install(const std::string& pico_id, const std::string& rid,
                            const krl::Map& config, std::string* error) {
  auto rs = registry_.get(rid);
  if (!rs) {
    *error = "Ruleset not registered: " + rid;
    return false;
  }
  auto pico = PicoState::load(store_, *this, pico_id, error);
  if (!pico) return false;
  InstallRecord rec;
  rec.url = rs->url;
  rec.config = config;
  const Installation* old = pico->installation(rid);
  rec.order = old ? old->record.order : pico->next_install_order();
  std::string encoded = encode_record(rec);
  if (!pico->install(rs, std::move(rec), *this, error)) return false;
  store::WriteBatch b;
  b.put(keys::installation(pico_id, rid), encoded);
  return store_.write(b, error);
}

}  // namespace spime::runtime
