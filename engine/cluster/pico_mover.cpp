#include "engine/cluster/pico_mover.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/cluster/membership.h"
#include "engine/cluster/move_node.h"

namespace spime::cluster {

using api::Status;
using json = nlohmann::json;

namespace {

// Where the pico was found: its node and what that node says of it.
struct Located {
  std::string node, url;
  std::string id, name;
  std::optional<Slot> slot;
  std::vector<std::string> ecis;
  std::size_t children = 0;
};

bool decode_located(const std::string& answer, Located* out) {
  const json j = json::parse(answer, nullptr, false);
  if (!j.is_object() || !j.value("id", json()).is_string() || !j.value("ecis", json()).is_array() ||
      !j.value("children", json()).is_number_unsigned()) {
    return false;
  }
  out->id = j["id"].get<std::string>();
  out->name = j.value("name", json()).is_string() ? j["name"].get<std::string>() : "";
  if (j.value("slot", json()).is_string())
    out->slot = parse_slot_text(j["slot"].get<std::string>());
  for (const json& e : j["ecis"]) {
    if (!e.is_string()) return false;
    out->ecis.push_back(e.get<std::string>());
  }
  out->children = j["children"].get<std::size_t>();
  return true;
}

std::vector<std::string> ecis_of_answer(const std::string& answer) {
  std::vector<std::string> out;
  const json j = json::parse(answer, nullptr, false);
  if (!j.is_object() || !j.value("ecis", json()).is_array()) return out;
  for (const json& e : j["ecis"]) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string encode_pico_move_plan(const PicoMovePlan& p) {
  return json{{"from", p.from},
              {"to", p.to},
              {"slot", slot_text(p.slot)},
              {"ecis", p.ecis},
              {"started", p.started_ms}}
      .dump();
}

bool decode_pico_move_plan(const std::string& value, PicoMovePlan* out) {
  const json j = json::parse(value, nullptr, false);
  if (!j.is_object() || !j.value("from", json()).is_string() ||
      !j.value("to", json()).is_string() || !j.value("slot", json()).is_string() ||
      !j.value("ecis", json()).is_array()) {
    return false;
  }
  const std::optional<Slot> slot = parse_slot_text(j["slot"].get<std::string>());
  if (!slot) return false;
  PicoMovePlan p;
  p.from = j["from"].get<std::string>();
  p.to = j["to"].get<std::string>();
  p.slot = *slot;
  for (const json& e : j["ecis"]) {
    if (!e.is_string()) return false;
    p.ecis.push_back(e.get<std::string>());
  }
  if (j.value("started", json()).is_number_integer())
    p.started_ms = j["started"].get<std::int64_t>();
  *out = std::move(p);
  return true;
}

Status move_pico(EtcdClient& kv, const PicoMove& move, PicoMoveResult* out,
                 const std::function<void(const std::string&)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const std::string prefix = cluster_prefix(move.cluster);

  // 1. locate
  std::vector<KeyValue> nodes;
  Status s = kv.range(prefix + "nodes/", prefix_end(prefix + "nodes/"), &nodes);
  if (!s.is_ok()) return Status::unavailable("etcd: " + s.message());
  std::optional<Located> found;
  std::string to_url;
  for (const KeyValue& n : nodes) {
    const std::string name = n.key.substr(prefix.size() + 6);
    if (name == move.to) to_url = n.value;
    MoveNode node(name, n.value, move.http);
    std::string answer;
    s = node.post("/api/cluster/picos/" + client::url_encode(move.pico) + "/locate", "locate", "",
                  &answer);
    if (s.code() == Status::Code::kNotFound) continue;
    if (!s.is_ok()) return s;
    Located here;
    if (!decode_located(answer, &here)) {
      return Status::internal("locate on " + name + ": an answer without the pico's id and ECIs");
    }
    if (found) {
      return Status::conflict("pico " + move.pico + " is found on nodes " + found->node + " and " +
                              name + ": name it by its id");
    }
    here.node = name;
    here.url = n.value;
    found = std::move(here);
  }
  if (to_url.empty()) {
    return Status::invalid_argument("node " + move.to + " is not live in the cluster");
  }
  if (!found) return Status::not_found("no live node has pico " + move.pico);
  const Located& pico = *found;
  const std::string name = "pico " + pico.id;
  if (pico.node == move.to)
    return Status::invalid_argument(name + " is on " + move.to + " already");
  if (!pico.slot) {
    return Status::invalid_argument(
        name + " has no slot: an engine's root stays, and a pico made before slots takes one " +
        "when " + pico.node + " owns a slot (spime cluster rebalance), then it moves");
  }
  if (pico.children > 0) {
    return Status::invalid_argument(name + " has " + std::to_string(pico.children) +
                                    " children: a family moves with its slot (spime cluster move)");
  }
  if (pico.ecis.size() > kMaxEcis) {
    return Status::invalid_argument(name + " has " + std::to_string(pico.ecis.size()) +
                                    " channels, more than one etcd transaction can override (" +
                                    std::to_string(kMaxEcis) + ")");
  }

  // 2. plan: the destination's slot, and pico-moves/<id>
  const std::string move_key = prefix + "pico-moves/" + pico.id;
  std::optional<KeyValue> planned;
  if (!(s = kv.get(move_key, &planned)).is_ok()) return Status::unavailable("etcd: " + s.message());
  std::optional<PicoMovePlan> taken_over;
  if (planned) {
    PicoMovePlan p;
    if (!decode_pico_move_plan(planned->value, &p) || p.from != pico.node || p.to != move.to) {
      return Status::conflict("another move of " + name + " is planned: " + planned->value);
    }
    taken_over = std::move(p);
  }
  std::vector<KeyValue> slots;
  if (!(s = kv.range(prefix + "slots/", prefix_end(prefix + "slots/"), &slots)).is_ok()) {
    return Status::unavailable("etcd: " + s.message());
  }
  std::optional<KeyValue> to_slot_key;
  std::vector<const KeyValue*> owned;
  for (const KeyValue& k : slots) {
    if (k.value != move.to) continue;
    const std::optional<Slot> slot = parse_slot_text(k.key.substr(prefix.size() + 6));
    if (!slot) continue;
    // A plan taken over keeps its slot while the destination still owns it.
    if (taken_over && *slot == taken_over->slot) to_slot_key = k;
    owned.push_back(&k);
  }
  if (owned.empty()) return Status::invalid_argument("node " + move.to + " owns no slot");
  if (!to_slot_key) {
    // Spread moved picos over the destination's slots.
    std::hash<std::string> h;
    to_slot_key = *owned[h(pico.id) % owned.size()];
  }
  const Slot to_slot = *parse_slot_text(to_slot_key->key.substr(prefix.size() + 6));
  const std::string to_slot_name = slot_text(to_slot);
  PicoMovePlan plan{pico.node, move.to, to_slot, pico.ecis, now_ms()};
  Txn txn;
  txn.compare.push_back({to_slot_key->key,
                         Compare::Target::kModRevision,
                         Compare::Result::kEqual,
                         to_slot_key->mod_revision,
                         {}});
  if (planned) {
    txn.compare.push_back({move_key,
                           Compare::Target::kModRevision,
                           Compare::Result::kEqual,
                           planned->mod_revision,
                           {}});
  } else {
    txn.compare.push_back(
        {move_key, Compare::Target::kCreateRevision, Compare::Result::kEqual, 0, {}});
  }
  txn.success.push_back(TxnOp::put(move_key, encode_pico_move_plan(plan)));
  bool planned_now = false;
  std::int64_t plan_revision = 0;
  s = kv.txn(txn, &planned_now, &plan_revision);
  if (!s.is_ok()) {
    return Status::unavailable("etcd refused the move's plan (" + s.message() +
                               "): moves wait for a quorum");
  }
  if (!planned_now)
    return Status::conflict(name + " or slot " + to_slot_name + " changed meanwhile");
  say("planned: " + name + " from " + pico.node + " (slot " + slot_text(*pico.slot) + ") to " +
      move.to + " (slot " + to_slot_name + ")");

  MoveNode source(pico.node, pico.url, move.http);
  MoveNode destination(move.to, to_url, move.http);
  const std::string steps = "/api/cluster/picos/" + client::url_encode(pico.id) + "/";
  const std::string with_slot = "?slot=" + to_slot_name;
  std::string answer;
  auto abandon = [&](const Status& why) {
    std::string ignored;
    source.post(steps + "unseal", "unseal", "", &ignored);
    destination.post(steps + "release", "release", "", &ignored);
    kv.erase(move_key);
    return why;
  };
  if (planned) {
    // A mover before this one may have imported it: start clean.
    std::string ignored;
    Status cleaned = destination.post(steps + "release", "release", "", &ignored);
    if (!cleaned.is_ok() && cleaned.code() != Status::Code::kNotFound) return abandon(cleaned);
  }

  // 3. export, 4. import
  std::string records;
  s = source.post(steps + "export" + with_slot, "export", "", &records);
  if (!s.is_ok()) return abandon(s);
  say("exported from " + pico.node + ": " + std::to_string(records.size()) + " bytes");
  s = destination.post(steps + "import" + with_slot, "import", records, &answer);
  records.clear();
  if (!s.is_ok()) return abandon(s);
  const std::vector<std::string> ecis = ecis_of_answer(answer);
  out->records = answer_count(answer, "records");
  if (ecis.empty() || ecis.size() > kMaxEcis) {
    return abandon(Status::internal("import on " + move.to + " answered " +
                                    std::to_string(ecis.size()) + " ECIs"));
  }
  say("imported on " + move.to + ": " + std::to_string(out->records) + " records, " +
      std::to_string(ecis.size()) + " channels");

  // 5. flip: the overrides, if the slot and the plan are as they were
  Txn flip;
  flip.compare.push_back({to_slot_key->key,
                          Compare::Target::kModRevision,
                          Compare::Result::kEqual,
                          to_slot_key->mod_revision,
                          {}});
  flip.compare.push_back(
      {move_key, Compare::Target::kModRevision, Compare::Result::kEqual, plan_revision, {}});
  for (const std::string& eci : ecis) {
    flip.success.push_back(TxnOp::put(prefix + "overrides/" + eci, to_slot_name));
  }
  flip.success.push_back(TxnOp::erase(move_key));
  bool flipped = false;
  s = kv.txn(flip, &flipped);
  if (!s.is_ok()) {
    // It may have been applied: the plan is gone and the override is there.
    std::optional<KeyValue> plan_now, override_now;
    if (!kv.get(move_key, &plan_now).is_ok() ||
        !kv.get(prefix + "overrides/" + ecis.front(), &override_now).is_ok()) {
      return Status::unavailable("etcd did not answer the flip of " + name +
                                 " and cannot be read: run the same move again once it answers " +
                                 "(it is taken over)");
    }
    flipped = !plan_now && override_now && override_now->value == to_slot_name;
  }
  if (!flipped)
    return abandon(Status::conflict(name + " or slot " + to_slot_name +
                                    " changed during the move: not flipped"));
  say("flipped: " + name + "'s " + std::to_string(ecis.size()) + " ECIs route to slot " +
      to_slot_name);

  // 6. release
  Status released = source.post(steps + "release", "release", "", &answer);
  out->released = released.is_ok();
  if (!released.is_ok()) out->release_error = released.message();
  out->id = pico.id;
  out->from = pico.node;
  out->to = move.to;
  out->from_slot = *pico.slot;
  out->to_slot = to_slot;
  out->ecis = ecis.size();
  out->took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return Status::ok();
}

}  // namespace spime::cluster
