// Moving one pico to another node of a cluster (docs/cluster.md, "Moving a
// slot or a pico"): the mover's side, which `spime cluster move-pico` runs.
// Where a slot move flips a slot's owner, a pico move puts the pico in a
// slot of the destination and writes an override (overrides/<eci> -> that
// slot) for each of its ECIs, which keep the slot they were minted with.
//
//   1. locate  every live node is asked for the pico (by id, or by a name
//              that only one pico of the cluster has): its node, slot, ECIs
//              and children;
//   2. plan    the destination's slot is drawn among the slots it owns; a
//              transaction puts pico-moves/<id> (the plan names the pico's
//              ECIs) if that slot is unchanged and no move of the pico is
//              planned (one for the same nodes, left by a mover that died,
//              is taken over);
//   3. export  the source seals the pico and answers its records, its
//              record naming the new slot;
//   4. import  the destination writes them (one batch, durable) and answers
//              the ECIs they hold;
//   5. flip    a transaction puts an override for each of those ECIs and
//              deletes the plan, if the new slot and the plan are as read;
//   6. release the source erases the pico once its table routes the ECIs
//              away (its gate forwards stragglers from then on).
//
// Refused: a pico with children (a family moves with its slot: `spime
// cluster move`), a pico that predates slots (its record names none: it
// stays on its engine, as in a slot move), a pico with more ECIs than one etcd transaction
// takes (kMaxEcis). Failure before the flip: the source is unsealed, the
// destination erases what it imported, the plan goes. Errors as move_slot's.
//
// Thread-safety: one call at a time per EtcdClient (its contract).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "channels/client/http_client.h"
#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

struct PicoMove {
  std::string cluster = "default";
  std::string pico;  // its id, or a name unique in the cluster
  std::string to;
  client::Options http;  // as SlotMove's
};

struct PicoMoveResult {
  std::string id, from, to;
  Slot from_slot = 0, to_slot = 0;
  std::size_t ecis = 0, records = 0;
  bool released = true;
  std::string release_error;
  std::chrono::milliseconds took{0};
};

// etcd allows 128 operations in a transaction; the flip puts one per ECI.
inline constexpr std::size_t kMaxEcis = 120;

// The value of pico-moves/<id> (the one owner of its format): JSON
// {"from", "to", "slot", "ecis", "started"}. Membership reads it so that a
// node refuses a pico planned away from it, across restarts too.
struct PicoMovePlan {
  std::string from, to;
  Slot slot = 0;  // the destination's
  std::vector<std::string> ecis;
  std::int64_t started_ms = 0;
};
std::string encode_pico_move_plan(const PicoMovePlan& plan);
// False when `value` is not a plan encode_pico_move_plan wrote.
bool decode_pico_move_plan(const std::string& value, PicoMovePlan* out);

api::Status move_pico(EtcdClient& kv, const PicoMove& move, PicoMoveResult* out,
                      const std::function<void(const std::string&)>& progress = {});

}  // namespace spime::cluster
