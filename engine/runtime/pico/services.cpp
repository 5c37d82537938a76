#include "engine/runtime/pico/services.h"

#include <algorithm>
#include <chrono>

#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/cluster/remote_query.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/records/device_topic_records.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/timers/clock.h"
#include "engine/runtime/timers/schedule_records.h"

namespace spime::runtime {

using api::Result;
using api::Status;

namespace {

constexpr int kMaxTreeDepth = 10000;

// Counts one level of nested runs on created picos for as long as it lives.
class Nesting {
 public:
  explicit Nesting(Transaction& txn) : txn_(txn) { ++txn_.nesting; }
  ~Nesting() { --txn_.nesting; }
  Nesting(const Nesting&) = delete;
  Nesting& operator=(const Nesting&) = delete;
  bool too_deep() const { return txn_.nesting > Transaction::kMaxNesting; }

 private:
  Transaction& txn_;
};

// The due keys of the pico's "at" scheduled events (their time is in the
// entry). A repeat's due key is dropped by the timer when it comes due and
// finds its entry gone (timers/schedule_records.h).
void erase_due_keys(Transaction& txn, PicoState& state) {
  for (const Installation& inst : state.installations()) {
    const krl::Value& all = state.ent(inst.rid, kScheduleVar);
    if (!all.is_map()) continue;
    for (const auto& [id, entry] : all.as_map()) {
      if (!entry.is_map() || schedule_records::is_repeat(entry)) continue;
      const krl::Value* time = entry.as_map().find("time");
      if (!time || !time->is_number()) continue;
      auto due = static_cast<std::uint64_t>(std::max(0.0, time->as_number()));
      schedule_records::erase_due(&txn.batch, due, id);
    }
  }
}

}  // namespace

std::int64_t Services::now_ms() {
  return wall_clock()->now_ms();
}

const PrototypeCatalog& Services::prototypes() {
  static const PrototypeCatalog kNone;
  return kNone;
}

std::string Services::new_id() {
  return runtime::new_id();
}

std::string Services::new_eci(std::optional<cluster::Slot> slot) {
  return runtime::new_eci(slot);
}

cluster::Slot Services::slot_for_new_pico() {
  return runtime::random_slot();
}

std::optional<ChannelRecord> Services::channel(Transaction& txn, const std::string& eci) {
  if (PicoState* created = txn.created_pico_of(eci)) return created->channels().at(eci);
  if (!is_valid_id(eci)) return std::nullopt;
  return existing_channel(txn, eci);
}

Result<krl::Value> Services::query(Transaction& txn, const std::string& from_pico_id,
                                   const QueryCall& q) {
  auto c = channel(txn, q.eci);
  if (!c) {
    // A pico of another engine of the cluster: asked over HTTP.
    if (std::string host = cluster_host_of(q.eci); !host.empty()) {
      return query_other_engine(host, q);
    }
    return Status::not_found("ECI not found " + q.eci);
  }
  if (auto family = check_family(c->family_pico_id, from_pico_id)) {
    return Status::permission_denied(*family);
  }
  if (auto denied = check_query(c->query_policy, q.rid, q.name)) {
    return Status::permission_denied(*denied);
  }
  if (c->pico_id == from_pico_id) {
    return Status::conflict("a pico cannot query itself with ctx:query (call the function)");
  }
  auto created = txn.created.find(c->pico_id);
  if (created == txn.created.end()) return query_existing(txn, *c, q);
  return run_query(*created->second, q, *this, txn);
}

Result<WaitAnswer> Services::event_wait(Transaction& txn, const std::string& from_pico_id,
                                        const WaitedEvent& ev) {
  auto c = channel(txn, ev.eci);
  if (!c) return Status::not_found("ECI not found " + ev.eci);
  if (auto family = check_family(c->family_pico_id, from_pico_id)) {
    return Status::permission_denied(*family);
  }
  if (auto denied = check_event(c->event_policy, ev.domain, ev.name)) {
    return Status::permission_denied(*denied);
  }
  if (ev.with_query) {
    if (auto denied = check_query(c->query_policy, ev.query_rid, ev.query_name)) {
      return Status::permission_denied(*denied);
    }
  }
  if (c->pico_id == from_pico_id) {
    return Status::conflict("an event to the calling pico cannot be waited for (use raise)");
  }
  auto created = txn.created.find(c->pico_id);
  if (created == txn.created.end()) return event_wait_existing(txn, *c, ev);

  // A pico made by this transaction: its schedule runs here, inside it.
  Nesting nesting(txn);
  if (nesting.too_deep()) {
    return Status::rule_error("nested runs on new picos are too deep (more than " +
                              std::to_string(Transaction::kMaxNesting) + ")");
  }
  PicoState& target = *created->second;
  IncomingEvent in{ev.eci, new_id(), ev.domain, ev.name, krl::Value(ev.attrs), now_ms()};
  EventOutcome out = run_event(target, in, *this, txn);
  if (!out.status.is_ok()) return out.status;
  WaitAnswer answer{in.eid, std::move(out.directives), krl::Value(), std::move(out.user_error)};
  if (ev.with_query) {
    auto v = run_query(target, QueryCall{ev.eci, ev.query_rid, ev.query_name, ev.query_args}, *this,
                       txn);
    if (!v.ok()) return v.status();
    answer.query_value = std::move(v.value());
  }
  return answer;
}

Result<std::optional<std::string>> Services::delete_pico_tree(Transaction& txn,
                                                              const std::string& pico_id) {
  std::optional<std::string> parent_link;
  Status s = delete_tree(txn, pico_id, 0, &parent_link);
  if (!s.is_ok()) return s;
  return parent_link;
}

Status Services::delete_tree(Transaction& txn, const std::string& pico_id, int depth,
                             std::optional<std::string>* parent_link) {
  if (depth > kMaxTreeDepth) return Status::rule_error("ctx:delPico: pico tree too deep");
  auto created = txn.created.find(pico_id);
  PicoState* state = nullptr;
  if (created != txn.created.end()) {
    state = created->second.get();
  } else {
    auto held = hold_for_deletion(txn, pico_id);
    if (!held.ok()) return held.status();
    state = held.value();
  }
  if (parent_link) *parent_link = state->record().parent;
  for (const std::string& child_eci : state->children_in_order()) {
    auto link = channel(txn, child_eci);
    if (!link) continue;  // already gone
    Status s = delete_tree(txn, link->pico_id, depth + 1, nullptr);
    if (!s.is_ok()) return s;
  }
  erase_due_keys(txn, *state);
  std::vector<std::string> ecis;
  for (const auto& [eci, c] : state->channels()) {
    ecis.push_back(eci);
    txn.channel_changes.emplace_back(eci, std::nullopt);
  }
  erase_device_topics(store(), &txn.batch, pico_id, ecis);
  pico_records::erase_pico(&txn.batch, pico_id, state->record(), ecis);
  if (created != txn.created.end()) {
    txn.created.erase(created);
  } else {
    txn.deleted_picos.push_back(pico_id);
  }
  return Status::ok();
}

}  // namespace spime::runtime
