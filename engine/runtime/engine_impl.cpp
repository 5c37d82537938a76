// EngineImpl's admission glue (engine_impl.h): events into picos, local
// deliveries and their replay at a start, the stop clock's interruption.
#include "engine/runtime/engine_impl.h"

#include <algorithm>

#include "engine/krl/value.h"
#include "engine/logging/log.h"
#include "engine/runtime/records/delivery_records.h"
#include "engine/runtime/records/local_delivery_records.h"
#include "engine/store/keys.h"

namespace spime::runtime {

using api::Done;
using api::Result;
using api::Status;

namespace {

// "10 events a second (burst 20)".
std::string rate_text(const ChannelRateLimit& r) {
  return krl::encode_json(krl::Value(r.per_second)) + " events a second (burst " +
         krl::encode_json(krl::Value(r.burst)) + ")";
}

}  // namespace

void EngineImpl::interrupt_running() {
  size_t running = 0;
  {
    MutexLock lock(drain_mu);
    running = in_flight;
  }
  services->interrupt_evaluations();
  if (running > 0) {
    log("shutdown: interrupting what still runs after " +
        std::to_string(Engine::kStopGrace.count()) + " ms (" + std::to_string(running) +
        " request(s): rolled back, answered 503)");
  }
}

bool EngineImpl::over_rate(Admission* a) {
  const std::int64_t wait_ms =
      rate_limiter->take(a->eci, a->channel->rate_limit, RateLimiter::now_ns());
  if (wait_ms == 0) return false;
  a->status = Status::rate_limited(
      "too many events through this channel: its rate limit allows " +
          std::string(a->channel->rate_limit ? "" : "(the server's default) ") +
          rate_text(a->channel->rate_limit ? *a->channel->rate_limit : default_rate),
      wait_ms);
  return true;
}

Status EngineImpl::slot_closed(const std::string& eci, const std::string& pico_id) const {
  const cluster::SlotTable* table = slot_table.load(std::memory_order_acquire);
  if (seals.sealed_pico(pico_id) || (table && table->pico_moving_away(pico_id))) {
    return Status::unavailable("pico " + pico_id + " is moving to another engine, retry later");
  }
  const std::optional<cluster::Slot> slot = table ? table->slot_of(eci) : cluster::slot_of_eci(eci);
  if (!slot) return Status::ok();
  if (seals.sealed(*slot) || (table && table->moving_away(*slot))) {
    return Status::unavailable("slot " + cluster::slot_text(*slot) +
                               " is moving to another engine, retry later");
  }
  if (table && !table->owns(*slot)) {
    return Status::unavailable("slot " + cluster::slot_text(*slot) +
                               " is another engine's, retry through the cluster's address");
  }
  return Status::ok();
}

Status EngineImpl::signal(const api::EventRequest& req, Done<api::EventResult> done,
                          std::string eid, std::optional<ScheduleFiring> firing,
                          std::string_view from_pico_id, LocalRecord local) {
  if (stopping.load()) return Status::unavailable("engine shutting down");
  DeliveryId delivery;
  std::string bad_delivery;
  if (!delivery_records::parse(req.sender, req.sender_event_id, &delivery, &bad_delivery)) {
    Status s = Status::invalid_argument(bad_delivery);
    if (done) done(s);
    return s;
  }
  Admission a = admit_event(channels, *store, req, from_pico_id);
  // Outside senders only: a pico's events to other picos, and its
  // scheduled ones, are the engine's own work.
  if (a.status.is_ok() && from_pico_id.empty()) over_rate(&a);
  if (!a.status.is_ok()) {
    if (done) refuse(a, done);
    return a.status;
  }
  std::shared_ptr<PicoSlot> target = picos->acquire(a.channel->pico_id);
  // After acquire: a move that saw this pico idle sealed the slot first.
  if (local.seq == 0) {
    if (Status closed = slot_closed(a.eci, a.channel->pico_id); !closed.is_ok()) {
      a.status = closed;
      if (done) refuse(a, done);
      return closed;
    }
  }
  RunEvent m{incoming(a, req.attrs, std::move(eid)), a.depends_on, done, std::nullopt, nullptr};
  m.event.firing = std::move(firing);
  m.event.delivery = std::move(delivery);
  m.event.local_record = local.seq;
  Status posted = actors->post(std::move(target), std::move(m), local.replayed);
  if (!posted.is_ok() && done) done(posted);
  return posted;
}

void EngineImpl::deliver_local(const OutgoingEvent& e, bool replayed) {
  logging::Scope scope(e.from_pico_id);
  if (stopping.load()) {
    log("event:send to " + logging::short_eci(e.eci) +
        " kept for the next start: engine shutting down");
    return;
  }
  auto completion = track<api::EventResult>(nullptr, &Metrics::event_finished);
  Status s = signal(api::EventRequest{e.eci, e.domain, e.name, e.attrs}, completion, "",
                    std::nullopt, e.from_pico_id, LocalRecord{e.local_seq, replayed});
  if (s.is_ok()) return;
  const bool later = local_delivery_records::kept_for_later(s);
  log("event:send to " + logging::short_eci(e.eci) +
      (later ? " kept for the next start: " : " refused: ") +
      logging::shorten_eci_in(s.message(), e.eci));
  if (!later && e.local_seq != 0) actors->forget_local(e.local_seq);
}

void EngineImpl::replay_local() {
  std::vector<OutgoingEvent> owed;
  std::uint64_t next = 1;  // above every record, even one that does not parse
  local_delivery_records::scan(
      *store,
      [&](OutgoingEvent&& e) {
        next = std::max(next, e.local_seq + 1);
        owed.push_back(std::move(e));
      },
      [&](const std::string& key) {
        std::uint64_t seq = 0;
        if (store::keys::parse_local_delivery(key, &seq)) next = std::max(next, seq + 1);
        log("local delivery record " + key.substr(2) + " does not parse: left alone");
      });
  actors->resume_local_seq(next);
  if (owed.empty()) return;
  log("local delivery: " + std::to_string(owed.size()) +
      " event:send(s) owed since the last run, posted again");
  for (const OutgoingEvent& e : owed) deliver_local(e, /*replayed=*/true);
}

}  // namespace spime::runtime
