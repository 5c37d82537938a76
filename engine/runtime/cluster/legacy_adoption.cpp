// SlotMoves' adoption of legacy picos (slot_moves.h says what it does;
// engine/runtime/cluster/legacy_adopter.h runs it when a node joins).
//
// Order, so that a crash anywhere leaves something the next step finishes:
// the overrides go to etcd first (a legacy ECI then routes to a slot this
// node owns, where the pico is), then the pico's record takes the slot. A
// pico whose record has no slot is found again by the next step, which
// reuses the slot its overrides already name.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "engine/cluster/slot_table.h"
#include "engine/runtime/cluster/slot_moves.h"
#include "engine/runtime/cluster/slot_seals.h"
#include "engine/runtime/records/ids.h"
#include "engine/runtime/records/pico_records.h"
#include "engine/store/committer.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using api::Status;

namespace {

// Parent links followed up from a pico before giving up (a family deeper
// than this gets a slot per stretch; it still works, it only spreads).
constexpr int kMaxDepth = 64;

struct Legacy {
  std::string id;
  std::string parent_eci;
};

// Up to `max` picos with no slot, the root excepted (the one without a
// parent: its ECIs stay this engine's own).
std::vector<Legacy> find_legacy(const store::Store& s, std::size_t max) {
  std::vector<Legacy> out;
  s.scan(store::keys::pico_prefix(), [&](std::string_view key, std::string_view value) {
    std::string id, error;
    PicoRecord r;
    if (store::keys::parse_pico(key, &id) && decode_record(std::string(value), &r, &error) &&
        !r.slot && r.parent && !r.parent->empty()) {
      out.push_back({std::move(id), *r.parent});
    }
    return out.size() < max;
  });
  return out;
}

// The pico whose channel `eci` is, and its record; false when unknown.
bool owner_of(const store::Store& s, const std::string& eci, std::string* pico_id,
              PicoRecord* record) {
  ChannelRecord c;
  std::string raw, error;
  if (!pico_records::load_channel(s, eci, &c)) return false;
  if (!s.get(store::keys::pico(c.pico_id), &raw) || !decode_record(raw, record, &error)) {
    return false;
  }
  *pico_id = c.pico_id;
  return true;
}

}  // namespace

std::optional<cluster::Slot> SlotMoves::adoption_slot(const std::string& id,
                                                      const std::string& parent_eci,
                                                      const std::vector<std::string>& ecis,
                                                      std::map<std::string, cluster::Slot>* heads) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::int64_t now = cluster::boot_clock_ns();
  auto usable = [&](cluster::Slot s) { return table->serves(s, now) && !parts_.seals.sealed(s); };
  // An earlier step wrote its overrides and stopped before its record.
  for (const std::string& eci : ecis) {
    if (const std::optional<cluster::Slot> s = table->slot_of(eci); s && usable(*s)) return s;
  }
  // Its family's: an adopted ancestor's slot, else the one drawn for the
  // family's head (the root's child) in this step.
  std::string head = id, eci = parent_eci;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    std::string parent;
    PicoRecord record;
    if (!owner_of(parts_.store, eci, &parent, &record)) break;
    if (!record.parent || record.parent->empty()) break;  // the root: `head` is its child
    if (record.slot) {
      if (usable(*record.slot)) return record.slot;
      break;
    }
    head = std::move(parent);
    eci = *record.parent;
  }
  if (const auto it = heads->find(head); it != heads->end()) return it->second;
  std::vector<cluster::Slot> own = table->own_slots();
  own.erase(std::remove_if(own.begin(), own.end(), [&](cluster::Slot s) { return !usable(s); }),
            own.end());
  if (own.empty()) return std::nullopt;
  const cluster::Slot drawn = own[random_below(static_cast<std::uint32_t>(own.size()))];
  (*heads)[head] = drawn;
  return drawn;
}

void SlotMoves::adopt_step(const OverrideWriter& write, const api::Done<AdoptionStep>& done) {
  const cluster::SlotTable* table = table_.load(std::memory_order_acquire);
  const std::vector<Legacy> found = find_legacy(parts_.store, kAdoptBatch);
  auto answer = [](std::size_t adopted, bool more) { return AdoptionStep{adopted, more}; };
  if (found.empty()) return done(answer(0, false));

  // 1. A slot for each, and its ECIs that do not route there yet.
  std::map<std::string, cluster::Slot> heads;
  std::map<cluster::Slot, std::vector<std::string>> overrides;
  std::map<std::string, cluster::Slot> slot_of_pico;
  std::vector<std::string> ids;
  for (const Legacy& p : found) {
    const std::vector<std::string> ecis = pico_records::channel_ecis(parts_.store, p.id);
    const std::optional<cluster::Slot> slot = adoption_slot(p.id, p.parent_eci, ecis, &heads);
    if (!slot) return done(Status::unavailable("this node serves no slot to adopt picos into"));
    for (const std::string& eci : ecis) {
      if (table->slot_of(eci) != slot) overrides[*slot].push_back(eci);
    }
    slot_of_pico[p.id] = *slot;
    ids.push_back(p.id);
  }
  // 2. The overrides, while this node owns each slot (the writer compares).
  for (const auto& [slot, ecis] : overrides) {
    const Status s = write(slot, ecis);
    if (!s.is_ok()) {
      return done(Status(s.code(), "overrides for slot " + cluster::slot_text(slot) +
                                       " not written: " + s.message() + "; nothing adopted"));
    }
  }
  // 3. Each record takes its slot, the picos sealed and idle (none loaded
  // with the old record, which it would write back).
  for (const std::string& id : ids) {
    parts_.seals.seal_pico(id, pico_records::channel_ecis(parts_.store, id));
  }
  auto unseal = [this, ids] {
    for (const std::string& id : ids) parts_.seals.unseal_pico(id);
  };
  std::vector<std::string> idle;
  const Status waited = wait_idle([&] { return ids; }, {}, "legacy picos are", &idle);
  if (!waited.is_ok()) {
    unseal();
    return done(Status::unavailable(waited.message() + "; their overrides are written, " +
                                    "their records are taken next time"));
  }
  store::WriteBatch batch;
  std::size_t adopted = 0;
  for (const std::string& id : ids) {
    std::string raw, error;
    PicoRecord r;
    if (!parts_.store.get(store::keys::pico(id), &raw) || !decode_record(raw, &r, &error) ||
        r.slot) {
      continue;  // deleted, or taken meanwhile
    }
    r.slot = slot_of_pico.at(id);
    pico_records::put_pico(&batch, id, r);
    ++adopted;
  }
  const bool more = found.size() == kAdoptBatch;
  if (adopted == 0) {  // all deleted or taken meanwhile: look again
    unseal();
    return done(answer(0, true));
  }
  const std::uint64_t seq = parts_.store.committer().try_submit(
      std::move(batch),
      [this, adopted, more, unseal, done, answer](bool ok, const std::string& why) {
        unseal();
        if (!ok) return done(Status::internal("legacy picos' slots not written: " + why));
        parts_.log("adopted " + std::to_string(adopted) + " legacy picos into this node's slots");
        done(answer(adopted, more));
      });
  if (seq == 0) {
    unseal();
    done(Status::unavailable("engine overloaded or stopping, retry later"));
  }
}

}  // namespace spime::runtime
