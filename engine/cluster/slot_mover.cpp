#include "engine/cluster/slot_mover.h"

#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/cluster/membership.h"
#include "engine/cluster/move_node.h"

namespace spime::cluster {

using api::Status;
using json = nlohmann::json;

namespace {

// The steps of a slot's move on one engine.
class Node {
 public:
  Node(std::string name, const std::string& url, const client::Options& options)
      : node_(std::move(name), url, options) {}

  Status step(Slot slot, const std::string& step, const std::string& body, std::string* answer) {
    return node_.post("/api/cluster/slots/" + slot_text(slot) + "/" + step, step, body, answer);
  }

 private:
  MoveNode node_;
};

}  // namespace

std::string encode_move_plan(const std::string& from, const std::string& to,
                             std::int64_t started_ms) {
  return json{{"from", from}, {"to", to}, {"phase", "export"}, {"started", started_ms}}.dump();
}

bool decode_move_plan(const std::string& value, std::string* from, std::string* to) {
  const json j = json::parse(value, nullptr, false);
  if (!j.is_object() || !j.value("from", json()).is_string() ||
      !j.value("to", json()).is_string()) {
    return false;
  }
  *from = j["from"].get<std::string>();
  *to = j["to"].get<std::string>();
  return true;
}

Status move_slot(EtcdClient& kv, const SlotMove& move, SlotMoveResult* out,
                 const std::function<void(const std::string&)>& progress) {
  const auto started = std::chrono::steady_clock::now();
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const std::string prefix = cluster_prefix(move.cluster);
  const std::string name = "slot " + slot_text(move.slot);
  const std::string slot_key = prefix + "slots/" + slot_text(move.slot);
  const std::string move_key = prefix + "moves/" + slot_text(move.slot);

  // 1. plan
  std::optional<KeyValue> owner, to_node, from_node, planned;
  Status s = kv.get(slot_key, &owner);
  if (!s.is_ok()) return Status::unavailable("etcd: " + s.message());
  if (!owner || owner->value.empty()) return Status::not_found(name + " has no owner");
  const std::string from = owner->value;
  if (from == move.to) return Status::invalid_argument(name + " is " + move.to + "'s already");
  if (!(s = kv.get(prefix + "nodes/" + move.to, &to_node)).is_ok() ||
      !(s = kv.get(prefix + "nodes/" + from, &from_node)).is_ok() ||
      !(s = kv.get(move_key, &planned)).is_ok()) {
    return Status::unavailable("etcd: " + s.message());
  }
  if (!to_node) return Status::invalid_argument("node " + move.to + " is not live in the cluster");
  if (!from_node) {
    return Status::unavailable("node " + from + ", " + name + "'s owner, is not live");
  }
  Node source(from, from_node->value, move.http);
  Node destination(move.to, to_node->value, move.http);
  std::string answer;
  const std::string plan = encode_move_plan(from, move.to,
                                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  Txn txn;
  txn.compare.push_back(
      {slot_key, Compare::Target::kModRevision, Compare::Result::kEqual, owner->mod_revision, {}});
  if (planned) {
    // Taken over only when it is the same move.
    std::string planned_from, planned_to;
    if (!decode_move_plan(planned->value, &planned_from, &planned_to) || planned_from != from ||
        planned_to != move.to) {
      return Status::conflict("another move of " + name + " is planned: " + planned->value);
    }
    txn.compare.push_back({move_key,
                           Compare::Target::kModRevision,
                           Compare::Result::kEqual,
                           planned->mod_revision,
                           {}});
  } else {
    txn.compare.push_back(
        {move_key, Compare::Target::kCreateRevision, Compare::Result::kEqual, 0, {}});
  }
  txn.success.push_back(TxnOp::put(move_key, plan));
  bool planned_now = false;
  s = kv.txn(txn, &planned_now);
  if (!s.is_ok()) {
    return Status::unavailable("etcd refused the move's plan (" + s.message() +
                               "): moves wait for a quorum");
  }
  if (!planned_now) return Status::conflict(name + " changed while the move was planned");
  say("planned: " + name + " from " + from + " to " + move.to);

  auto abandon = [&](const Status& why) {
    std::string ignored;
    source.step(move.slot, "unseal", "", &ignored);
    destination.step(move.slot, "release", "", &ignored);
    kv.erase(move_key);
    return why;
  };
  if (planned) {
    // A mover before this one may have imported part of it: start clean.
    std::string ignored;
    Status cleaned = destination.step(move.slot, "release", "", &ignored);
    if (!cleaned.is_ok()) return abandon(cleaned);
  }

  // 2. export, 3. import
  std::string records;
  s = source.step(move.slot, "export", "", &records);
  if (!s.is_ok()) return abandon(s);
  say("exported from " + from + ": " + std::to_string(records.size()) + " bytes");
  s = destination.step(move.slot, "import", records, &answer);
  records.clear();
  if (!s.is_ok()) return abandon(s);
  out->picos = answer_count(answer, "picos");
  out->records = answer_count(answer, "records");
  say("imported on " + move.to + ": " + std::to_string(out->picos) + " picos, " +
      std::to_string(out->records) + " records");

  // 4. flip
  Txn flip;
  flip.compare.push_back(
      {slot_key, Compare::Target::kModRevision, Compare::Result::kEqual, owner->mod_revision, {}});
  flip.success.push_back(TxnOp::put(slot_key, move.to));
  flip.success.push_back(TxnOp::erase(move_key));
  bool flipped = false;
  s = kv.txn(flip, &flipped);
  if (!s.is_ok()) {
    // It may have been applied: read back.
    std::optional<KeyValue> now;
    if (!kv.get(slot_key, &now).is_ok()) {
      return Status::unavailable(
          "etcd did not answer the flip of " + name +
          " and cannot be read: " + "run the same move again once it answers (it is taken over)");
    }
    flipped = now && now->value == move.to;
    if (flipped) kv.erase(move_key);
  }
  if (!flipped) return abandon(Status::conflict(name + " changed during the move: not flipped"));
  say("flipped: " + name + " is " + move.to + "'s");

  // 5. release
  Status released = source.step(move.slot, "release", "", &answer);
  out->released = released.is_ok();
  if (!released.is_ok()) out->release_error = released.message();
  out->from = from;
  out->to = move.to;
  out->took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return Status::ok();
}

}  // namespace spime::cluster
