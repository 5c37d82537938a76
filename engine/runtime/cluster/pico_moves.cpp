// SlotMoves' steps for one pico's move (slot_moves.h says what each does
// and refuses; engine/cluster/pico_mover.h drives them).
#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>

#include "engine/cluster/slot_table.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/cluster/slot_records.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/logs/episode_log.h"
#include "engine/runtime/pico/pico_table.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Status;
using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The name the engine UI gives the pico ("" when none).
std::string ui_name(const store::Store& s, const std::string& id) {
  std::string raw;
  if (!pico_records::load_entvar(s, id, std::string(kEngineUiRid), "name", &raw)) return "";
  const json j = json::parse(raw, nullptr, false);
  return j.is_string() ? j.get<std::string>() : "";
}

bool has_pico(const store::Store& s, const std::string& id) {
  std::string ignored;
  return s.get(store::keys::pico(id), &ignored);
}

std::string answer_of(const SlotRecords& r, const std::vector<std::string>& ecis) {
  return json{{"picos", r.picos.size()}, {"records", r.records.size()}, {"ecis", ecis}}.dump();
}

}  // namespace

void SlotMoves::locate_pico(const std::string& pico, const api::Done<std::string>& done) {
  const store::Store& st = parts_.store;
  std::string id;
  if (has_pico(st, pico)) {
    id = pico;
  } else {
    std::size_t named = 0;
    st.scan(store::keys::pico_prefix(), [&](std::string_view key, std::string_view) {
      std::string candidate;
      if (store::keys::parse_pico(key, &candidate) && ui_name(st, candidate) == pico) {
        ++named;
        id = std::move(candidate);
      }
      return named < 2;
    });
    if (named == 0) return done(Status::not_found("no pico " + pico + " here"));
    if (named > 1) {
      return done(Status::conflict("several picos here are named " + pico + ": name it by its id"));
    }
  }
  pico_records::LoadedPico loaded;
  std::string error;
  if (!pico_records::load(st, id, &loaded, &error, /*with_channels=*/false)) {
    return done(Status::internal(error));
  }
  std::vector<std::pair<std::string, std::int64_t>> children;
  if (!pico_records::load_children(st, id, &children, &error)) {
    return done(Status::internal(error));
  }
  json out = {
      {"id", id},
      {"name", ui_name(st, id)},
      {"slot", loaded.record.slot ? json(cluster::slot_text(*loaded.record.slot)) : json(nullptr)},
      {"ecis", pico_records::channel_ecis(st, id)},
      {"children", children.size()}};
  done(out.dump());
}

void SlotMoves::export_pico(const std::string& id, cluster::Slot to,
                            const api::Done<std::string>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  pico_records::LoadedPico loaded;
  std::string error;
  if (!pico_records::load(parts_.store, id, &loaded, &error, /*with_channels=*/false)) {
    return done(Status::not_found("no pico " + id + " here"));
  }
  const std::optional<cluster::Slot> from = loaded.record.slot;
  if (!from || !table->owns(*from)) {
    return done(Status::conflict("pico " + id + "'s slot is not this node's"));
  }
  // Its slot moving too would leave a copy of it on that slot's destination.
  if (parts_.seals.sealed(*from) || table->moving_away(*from)) {
    return done(Status::conflict("pico " + id + "'s slot " + cluster::slot_text(*from) +
                                 " is moving: move the pico after it"));
  }
  if (table->owns(to)) {
    return done(Status::invalid_argument("slot " + cluster::slot_text(to) +
                                         " is this node's: a pico moves to another node"));
  }
  std::vector<std::string> ecis = pico_records::channel_ecis(parts_.store, id);
  parts_.seals.seal_pico(id, ecis);
  auto list = [&] { return std::vector<std::string>{id}; };
  auto owed = [&](const std::string& eci) {
    return std::find(ecis.begin(), ecis.end(), eci) != ecis.end();
  };
  std::vector<std::string> picos;
  const Status idle = wait_idle(list, owed, "pico " + id + " is", &picos);
  if (!idle.is_ok()) {
    parts_.seals.unseal_pico(id);
    return done(Status::unavailable(idle.message() + "; unsealed, nothing moved"));
  }
  SlotRecords records = collect_slot(parts_.store, *from, picos);
  // What it holds now (a delivery waited for may have made a channel).
  parts_.seals.seal_pico(id, channel_ecis_of(records));
  if (!reslot_pico(&records, id, to, &error)) {
    parts_.seals.unseal_pico(id);
    return done(Status::internal("pico " + id + ": " + error));
  }
  parts_.log("pico " + id + " sealed and exported for slot " + cluster::slot_text(to) + ": " +
             std::to_string(records.records.size()) + " records");
  done(encode_slot_records(records));
}

void SlotMoves::import_pico(const std::string& id, cluster::Slot slot, const std::string& text,
                            const api::Done<std::string>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::string name = "slot " + cluster::slot_text(slot);
  if (!table->owns(slot)) return done(Status::conflict(name + " is not this node's"));
  auto records = std::make_shared<SlotRecords>();
  std::string error;
  if (!decode_slot_records(text, records.get(), &error)) {
    return done(Status::invalid_argument("pico records: " + error));
  }
  if (records->picos != std::vector<std::string>{id} || records->slot != slot ||
      record_slot(*records, id) != slot) {
    return done(Status::invalid_argument("the records are not pico " + id + "'s for " + name));
  }
  if (Status admitted = admit_import(*records); !admitted.is_ok()) return done(admitted);
  store::WriteBatch batch;
  put_slot_records(*records, &batch);
  const std::uint64_t seq = parts_.store.committer().try_submit(
      std::move(batch), [this, id, records, done](bool ok, const std::string& why) {
        if (!ok) return done(Status::internal("pico import not written: " + why));
        const std::vector<std::string> ecis = channel_ecis_of(*records);
        parts_.channels.forget(ecis);
        parts_.seals.unseal_pico(id);  // a seal left from when it moved away
        parts_.log("pico " + id + " imported: " + std::to_string(records->records.size()) +
                   " records");
        done(answer_of(*records, ecis));
      });
  if (seq == 0) done(Status::unavailable("engine overloaded or stopping, retry later"));
}

void SlotMoves::release_pico(const std::string& id, const api::Done<std::string>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  pico_records::LoadedPico loaded;
  std::string error;
  if (!pico_records::load(parts_.store, id, &loaded, &error, /*with_channels=*/false)) {
    return done(Status::not_found("no pico " + id + " here"));
  }
  const std::vector<std::string> ecis = pico_records::channel_ecis(parts_.store, id);
  auto routed_here = [&] {
    for (const std::string& eci : ecis) {
      const std::optional<cluster::Slot> slot = table->slot_of(eci);
      if (!slot || table->owns(*slot)) return true;
    }
    return false;
  };
  const SteadyClock::time_point deadline = SteadyClock::now() + kStepTimeout;
  while (routed_here()) {
    if (!sleep_until_next_try(deadline)) {
      return done(Status::conflict("the table still routes pico " + id +
                                   "'s ECIs to this node: nothing erased"));
    }
  }
  std::vector<std::string> picos;
  const Status idle =
      wait_idle([&] { return std::vector<std::string>{id}; }, {}, "pico " + id + " is", &picos);
  if (!idle.is_ok()) return done(Status::unavailable(idle.message() + "; nothing erased"));
  auto records = std::make_shared<SlotRecords>(
      collect_slot(parts_.store, loaded.record.slot.value_or(cluster::kLegacySlot), picos));
  store::WriteBatch batch;
  for (const auto& [k, v] : records->records) batch.erase(k);
  const std::uint64_t seq = parts_.store.committer().try_submit(
      std::move(batch), [this, id, records, done](bool ok, const std::string& why) {
        if (!ok) return done(Status::internal("pico release not written: " + why));
        const std::vector<std::string> erased = channel_ecis_of(*records);
        parts_.channels.forget(erased);
        parts_.seals.unseal_pico(id);  // its ECIs route elsewhere: the gate forwards
        parts_.log("pico " + id + " released: erased here");
        done(answer_of(*records, erased));
      });
  if (seq == 0) done(Status::unavailable("engine overloaded or stopping, retry later"));
}

}  // namespace spime::runtime
