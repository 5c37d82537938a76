#include "engine/runtime/services/local_services.h"

#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/storage_status.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Result;
using api::Status;

LocalServices::LocalServices(store::Store& store, RulesetRegistry& registry)
    : store_(store), registry_(registry) {}

std::optional<ChannelRecord> LocalServices::channel(const std::string& eci) {
  if (!is_valid_id(eci)) return std::nullopt;
  ChannelRecord c;
  if (!pico_records::load_channel(store_, eci, &c)) return std::nullopt;
  return c;
}

std::optional<ChannelRecord> LocalServices::existing_channel(Transaction&, const std::string& eci) {
  return channel(eci);
}

Result<krl::Value> LocalServices::query_existing(Transaction& txn, const ChannelRecord& c,
                                                 const QueryCall& q) {
  std::string err;
  auto pico = PicoState::load(store_, *this, c.pico_id, &err);
  if (!pico) return Status::not_found(err);
  return run_query(*pico, q, *this, txn);
}

Result<WaitAnswer> LocalServices::event_wait_existing(Transaction&, const ChannelRecord& c,
                                                      const WaitedEvent& ev) {
  std::string err;
  auto pico = PicoState::load(store_, *this, c.pico_id, &err);
  if (!pico) return Status::not_found(err);
  // Its own transaction, written at once (offline: nothing to wait for).
  Transaction own;
  IncomingEvent in{ev.eci, new_id(), ev.domain, ev.name, krl::Value(ev.attrs), now_ms()};
  EventOutcome eo = run_event(*pico, in, *this, own);
  if (!eo.status.is_ok()) return eo.status;
  if (!own.batch.empty() && !store_.write(own.batch, &err)) {
    return commit_failure(err);
  }
  WaitAnswer answer{in.eid, std::move(eo.directives), krl::Value(), std::move(eo.user_error)};
  if (ev.with_query) {
    auto v =
        run_query(*pico, QueryCall{ev.eci, ev.query_rid, ev.query_name, ev.query_args}, *this, own);
    if (!v.ok()) return v.status();
    answer.query_value = std::move(v.value());
  }
  return answer;
}

Result<PicoState*> LocalServices::hold_for_deletion(Transaction& txn, const std::string& pico_id) {
  std::string err;
  std::shared_ptr<PicoState> pico = PicoState::load(store_, *this, pico_id, &err);
  if (!pico) return Status::not_found(err);
  txn.held.push_back(pico);
  return pico.get();
}

std::string LocalServices::ensure_root_pico(std::string* error) {
  std::string id;
  if (store_.get(store::keys::root_pico(), &id)) return id;
  id = new_id();
  PicoRecord rec;
  rec.created_ms = now_ms();
  rec.next_channel_order = 1;
  rec.next_child_order = 0;
  ChannelRecord c;
  c.eci = new_id();
  c.pico_id = id;
  c.tags = {"system", "self"};
  store::WriteBatch b;
  pico_records::put_pico(&b, id, rec);
  pico_records::put_channel(&b, c);
  b.put(store::keys::root_pico(), id);
  if (!store_.write(b, error)) return "";
  return id;
}

std::string LocalServices::first_eci(const std::string& pico_id) {
  pico_records::LoadedPico p;
  std::string err;
  if (!pico_records::load(store_, pico_id, &p, &err, /*with_channels=*/true)) return "";
  const ChannelRecord* first = nullptr;
  for (const ChannelRecord& c : p.channels) {
    if (!first || c.order < first->order) first = &c;
  }
  return first ? first->eci : "";
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
  store::WriteBatch b;
  pico_records::put_installation(&b, pico_id, rid, rec);
  if (!pico->install(rs, std::move(rec), *this, error)) return false;
  return store_.write(b, error);
}

}  // namespace spime::runtime
