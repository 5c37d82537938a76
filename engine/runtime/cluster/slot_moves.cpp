#include "engine/runtime/cluster/slot_moves.h"

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/cluster/slot_table.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/cluster/slot_records.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/runtime/records/local_delivery_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Status;
using SteadyClock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kPoll{10};

krl::Value counts(const SlotRecords& r) {
  krl::Map m;
  m.set("slot", krl::Value(cluster::slot_text(r.slot)));
  m.set("picos", krl::Value(static_cast<double>(r.picos.size())));
  m.set("records", krl::Value(static_cast<double>(r.records.size())));
  return krl::Value(std::move(m));
}

}  // namespace

SlotMoves::SlotMoves(Parts parts) : parts_(std::move(parts)) {}

SlotMoves::~SlotMoves() {
  stop();
}

void SlotMoves::set_table(const cluster::SlotTable* table) {
  table_.store(table, std::memory_order_release);
}

void SlotMoves::stop() {
  stopping_.store(true);
  std::thread t;
  {
    MutexLock lock(mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

bool SlotMoves::start(std::function<void()> step) {
  MutexLock lock(mu_);
  if (busy_ || stopping_.load()) return false;
  // The last step has cleared busy_ and takes the lock no more: it ends now.
  if (thread_.joinable()) thread_.join();
  busy_ = true;
  thread_ = std::thread(std::move(step));
  return true;
}

template <class T>
api::Done<T> SlotMoves::answering(api::Done<T> done) {
  // Free for the next step before the answer leaves: a mover sends its next
  // step as soon as it has this one's answer.
  return [this, done = std::move(done)](api::Result<T> r) {
    {
      MutexLock lock(mu_);
      busy_ = false;
    }
    done(std::move(r));
  };
}

bool SlotMoves::sleep_until_next_try(SteadyClock::time_point deadline) {
  if (stopping_.load() || SteadyClock::now() + kPoll > deadline) return false;
  std::this_thread::sleep_for(kPoll);
  return true;
}

bool SlotMoves::wait_durable(SteadyClock::time_point deadline) {
  store::Committer& c = parts_.store.committer();
  const std::uint64_t last = c.last_seq();
  while (c.durable_seq() < last) {
    if (!sleep_until_next_try(deadline)) return false;
  }
  return true;
}

bool SlotMoves::owed_to(const std::function<bool(const std::string&)>& owed) const {
  bool any = false;
  local_delivery_records::scan(
      parts_.store,
      [&](OutgoingEvent&& e) {
        if (!any && owed(e.eci)) any = true;
      },
      [](const std::string&) {});
  return any;
}

Status SlotMoves::wait_slot_idle(cluster::Slot slot, bool owed_too,
                                 std::vector<std::string>* picos) {
  std::function<bool(const std::string&)> owed;
  if (owed_too) {
    // By the table: a pico moved into the slot keeps ECIs of another prefix.
    const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
    owed = [slot, table](const std::string& eci) {
      return (table ? table->slot_of(eci) : cluster::slot_of_eci(eci)) == slot;
    };
  }
  return wait_idle([this, slot] { return picos_in_slot(parts_.store, slot); }, owed,
                   "slot " + cluster::slot_text(slot) + "'s picos are", picos);
}

Status SlotMoves::wait_idle(const std::function<std::vector<std::string>()>& list,
                            const std::function<bool(const std::string&)>& owed,
                            const std::string& what, std::vector<std::string>* picos) {
  const SteadyClock::time_point deadline = SteadyClock::now() + kStepTimeout;
  for (;;) {
    *picos = list();
    bool idle = true;
    for (const std::string& id : *picos) {
      if (!parts_.picos.evict_if_idle(id)) {
        idle = false;
        break;
      }
    }
    // A sender's batch submitted before this look may hold an event:send
    // to the slot: once durable, its record is there to see.
    if (idle && wait_durable(deadline) && !(owed && owed_to(owed))) return Status::ok();
    if (!sleep_until_next_try(deadline)) {
      return Status::unavailable(what + " still busy after " +
                                 std::to_string(kStepTimeout.count()) + " ms");
    }
  }
}

void SlotMoves::export_slot(cluster::Slot slot, api::Done<std::string> done) {
  if (!start([this, slot, answer = answering(done)] { export_step(slot, answer); })) {
    done(Status::unavailable("another slot move step runs on this node"));
  }
}

void SlotMoves::export_step(cluster::Slot slot, const api::Done<std::string>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::string name = "slot " + cluster::slot_text(slot);
  if (!table) return done(Status::unavailable("this engine is not a cluster node"));
  if (!table->owns(slot)) return done(Status::conflict(name + " is not this node's"));
  parts_.seals.seal(slot);
  std::vector<std::string> picos;
  const Status idle = wait_slot_idle(slot, /*owed_too=*/true, &picos);
  if (!idle.is_ok()) {
    parts_.seals.unseal(slot);
    return done(Status::unavailable(idle.message() + "; unsealed, nothing moved"));
  }
  // A pico of the slot moving alone would end up on two nodes.
  for (const std::string& id : picos) {
    if (parts_.seals.sealed_pico(id) || table->pico_moving_away(id)) {
      parts_.seals.unseal(slot);
      return done(Status::conflict("pico " + id + " of " + name +
                                   " is moving alone; unsealed, nothing moved"));
    }
  }
  SlotRecords records = collect_slot(parts_.store, slot, picos);
  parts_.log(name + " sealed and exported: " + std::to_string(records.picos.size()) + " picos, " +
             std::to_string(records.records.size()) + " records");
  done(encode_slot_records(records));
}

void SlotMoves::import_slot(cluster::Slot slot, std::string records, api::Done<krl::Value> done) {
  auto text = std::make_shared<std::string>(std::move(records));
  if (!start([this, slot, text, answer = answering(done)] { import_step(slot, *text, answer); })) {
    done(Status::unavailable("another slot move step runs on this node"));
  }
}

void SlotMoves::import_step(cluster::Slot slot, const std::string& text,
                            const api::Done<krl::Value>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::string name = "slot " + cluster::slot_text(slot);
  if (!table) return done(Status::unavailable("this engine is not a cluster node"));
  if (table->owns(slot)) return done(Status::conflict(name + " is this node's already"));
  auto records = std::make_shared<SlotRecords>();
  std::string error;
  if (!decode_slot_records(text, records.get(), &error)) {
    return done(Status::invalid_argument("slot records: " + error));
  }
  if (records->slot != slot) {
    return done(Status::invalid_argument(
        "the records are slot " + cluster::slot_text(records->slot) + "'s, not " + name + "'s"));
  }
  if (Status admitted = admit_import(*records); !admitted.is_ok()) return done(admitted);
  store::WriteBatch batch;
  put_slot_records(*records, &batch);
  const std::uint64_t seq = parts_.store.committer().try_submit(
      std::move(batch), [this, slot, records, done](bool ok, const std::string& why) {
        if (!ok) return done(Status::internal("slot import not written: " + why));
        parts_.channels.forget(channel_ecis_of(*records));
        parts_.seals.unseal(slot);  // a seal left from when it moved away
        parts_.log("slot " + cluster::slot_text(slot) +
                   " imported: " + std::to_string(records->picos.size()) + " picos, " +
                   std::to_string(records->records.size()) + " records");
        done(counts(*records));
      });
  if (seq == 0) done(Status::unavailable("engine overloaded or stopping, retry later"));
}

Status SlotMoves::admit_import(const SlotRecords& records) {
  for (const std::string& id : records.picos) {
    std::string ignored;
    if (parts_.store.get(store::keys::pico(id), &ignored)) {
      return Status::conflict("pico " + id + " exists on this node already");
    }
  }
  for (const SlotRecords::Ruleset& rs : records.rulesets) {
    if (parts_.registry.get(rs.rid)) continue;  // the engine's own version stays
    RulesetRegistry::Result r = parts_.registry.register_source(rs.url, rs.source);
    if (!r.ruleset) {
      return Status::invalid_argument("ruleset " + rs.rid + " does not compile here: " + r.error);
    }
  }
  return Status::ok();
}

void SlotMoves::release_slot(cluster::Slot slot, api::Done<krl::Value> done) {
  if (!start([this, slot, answer = answering(done)] { release_step(slot, answer); })) {
    done(Status::unavailable("another slot move step runs on this node"));
  }
}

void SlotMoves::release_step(cluster::Slot slot, const api::Done<krl::Value>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::string name = "slot " + cluster::slot_text(slot);
  if (!table) return done(Status::unavailable("this engine is not a cluster node"));
  const SteadyClock::time_point deadline = SteadyClock::now() + kStepTimeout;
  while (table->owns(slot)) {
    if (!sleep_until_next_try(deadline)) {
      return done(Status::conflict("the table still names this node as " + name +
                                   "'s owner: nothing erased"));
    }
  }
  std::vector<std::string> picos;
  const Status idle = wait_slot_idle(slot, /*owed_too=*/false, &picos);
  if (!idle.is_ok()) return done(Status::unavailable(idle.message() + "; nothing erased"));
  auto records = std::make_shared<SlotRecords>(collect_slot(parts_.store, slot, picos));
  store::WriteBatch batch;
  for (const auto& [k, v] : records->records) batch.erase(k);
  const std::uint64_t seq = parts_.store.committer().try_submit(
      std::move(batch), [this, slot, records, done](bool ok, const std::string& why) {
        if (!ok) return done(Status::internal("slot release not written: " + why));
        parts_.channels.forget(channel_ecis_of(*records));
        parts_.seals.unseal(slot);  // the table names another owner: the gate forwards
        parts_.log("slot " + cluster::slot_text(slot) +
                   " released: " + std::to_string(records->picos.size()) + " picos erased here");
        done(counts(*records));
      });
  if (seq == 0) done(Status::unavailable("engine overloaded or stopping, retry later"));
}

// The pico's steps are in pico_moves.cpp.
void SlotMoves::pico_step(api::PicoMoveStep step, api::Done<std::string> done) {
  const bool needs_slot = step.step == "export" || step.step == "import";
  if (!needs_slot && step.step != "locate" && step.step != "release" && step.step != "unseal") {
    return done(Status::not_found("no pico move step \"" + step.step +
                                  "\" (locate, export, import, release, unseal)"));
  }
  if (!table_.load(std::memory_order_acquire)) {
    return done(Status::unavailable("this engine is not a cluster node"));
  }
  if (needs_slot && !step.slot) {
    return done(Status::invalid_argument(step.step + " needs ?slot=, the destination's slot"));
  }
  if (step.step == "unseal") {
    parts_.seals.unseal_pico(step.pico);
    return done(json{{"pico", step.pico}, {"sealed", false}}.dump());
  }
  auto s = std::make_shared<api::PicoMoveStep>(std::move(step));
  const bool started = start([this, s, answer = answering(done)] {
    const cluster::Slot slot = s->slot.value_or(0);
    if (s->step == "locate") return locate_pico(s->pico, answer);
    if (s->step == "export") return export_pico(s->pico, slot, answer);
    if (s->step == "import") return import_pico(s->pico, slot, s->records, answer);
    release_pico(s->pico, answer);
  });
  if (!started) done(Status::unavailable("another move step runs on this node"));
}

void SlotMoves::unseal_slot(cluster::Slot slot, api::Done<krl::Value> done) {
  if (!table_.load(std::memory_order_acquire)) {
    return done(Status::unavailable("this engine is not a cluster node"));
  }
  parts_.seals.unseal(slot);
  krl::Map m;
  m.set("slot", krl::Value(cluster::slot_text(slot)));
  m.set("sealed", krl::Value(false));
  done(krl::Value(std::move(m)));
}

void SlotMoves::adopt_legacy(OverrideWriter write, api::Done<AdoptionStep> done) {
  if (!table_.load(std::memory_order_acquire)) {
    return done(Status::unavailable("this engine is not a cluster node"));
  }
  const bool started = start(
      [this, write = std::move(write), answer = answering(done)] { adopt_step(write, answer); });
  if (!started) done(Status::unavailable("another move step runs on this node"));
}

}  // namespace spime::runtime
