#include "engine/runtime/local_services.h"

#include <chrono>

#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/ids.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
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
  return run_query(*pico, eci, rid, name, args, *this);
}

std::optional<ChannelRecord> LocalServices::check_wait(const std::string& from_pico_id,
                                                       const WaitedEvent& ev, WaitOutcome* out) {
  auto c = channel(ev.eci);
  if (!c) {
    out->status = 404;
    out->error = "ECI not found: " + ev.eci;
  } else if (c->pico_id == from_pico_id) {
    out->status = 409;
    out->error = "an event to the calling pico cannot be waited for (use ctx:raiseEvent)";
  } else if (auto denied = check_event(c->event_policy, ev.domain, ev.name)) {
    out->status = 403;
    out->error = *denied;
  } else if (ev.with_query) {
    if (auto denied_q = check_query(c->query_policy, ev.query_rid, ev.query_name)) {
      out->status = 403;
      out->error = *denied_q;
    } else {
      return c;
    }
  } else {
    return c;
  }
  return std::nullopt;
}

IncomingEvent LocalServices::incoming(const WaitedEvent& ev) {
  return IncomingEvent{ev.eci, new_id(), ev.domain, ev.name, krl::Value(ev.attrs), now_ms()};
}

WaitOutcome LocalServices::event_wait(const std::string& from_pico_id, const WaitedEvent& ev) {
  WaitOutcome out;
  auto c = check_wait(from_pico_id, ev, &out);
  if (!c) return out;
  std::string err;
  auto pico = PicoState::load(store_, *this, c->pico_id, &err);
  if (!pico) {
    out.status = 404;
    out.error = err;
    return out;
  }
  IncomingEvent in = incoming(ev);
  EventOutcome eo = run_event(*pico, in, *this);
  if (!eo.ok) {
    out.status = eo.status;
    out.error = eo.error;
    return out;
  }
  if (!eo.batch.empty() && !store_.write(eo.batch, &err)) {
    out.status = 500;
    out.error = "commit failed: " + err;
    return out;
  }
  out.eid = in.eid;
  out.directives = std::move(eo.directives);
  if (ev.with_query) {
    QueryOutcome q = run_query(*pico, ev.eci, ev.query_rid, ev.query_name, ev.query_args, *this);
    if (!q.ok) {
      out.status = q.status;
      out.error = q.error;
      return out;
    }
    out.query_value = std::move(q.value);
  }
  out.ok = true;
  return out;
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
