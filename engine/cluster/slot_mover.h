// Moving a slot from one node of a cluster to another (docs/cluster.md,
// "Moving a slot or a pico"): the mover's side, which `spime cluster move`
// runs. It speaks to etcd and to the two engines (their steps:
// runtime/cluster/slot_moves.h, POST /api/cluster/slots/<slot>/<step>).
//
//   1. plan    read slots/<slot> (owner and revision) and the nodes'
//              advertised URLs; a transaction puts moves/<slot> if the slot
//              is unchanged and no move is planned (a plan for the same
//              source and destination left by a mover that died is taken
//              over: the destination first erases what it may have imported);
//   2. export  the source seals the slot and answers its records;
//   3. import  the destination writes them (one batch, durable);
//   4. flip    a transaction puts the new owner and deletes moves/<slot> if
//              slots/<slot> is still at the revision read in 1;
//   5. release the source erases the slot's picos once its table names the
//              new owner (its gate forwards stragglers from then on).
//
// Failure before the flip: the source is unsealed, the destination erases
// what it imported, moves/<slot> goes; the slot stays where it was,
// unchanged. A flip whose answer is lost is read back. A release that fails
// leaves the move done (the source's copy is unreachable; the answer says
// so). Events for the slot during the move get 503 with Retry-After (or wait
// in outboxes) and run once, on the source before the seal or on the
// destination after the flip.
//
// Errors: kInvalidArgument (the slot is the destination's already, an
// unknown or dead destination), kNotFound (the slot has no owner),
// kConflict (the slot changed, or another move of it is planned),
// kUnavailable (etcd without quorum: moves are refused; an engine that does
// not answer), or the engine's refusal of a step, its message prefixed.
//
// Thread-safety: one call at a time per EtcdClient (its contract).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "channels/client/http_client.h"
#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"
#include "engine/cluster/slots.h"

namespace spime::cluster {

struct SlotMove {
  std::string cluster = "default";
  Slot slot = 0;
  std::string to;
  // For the engines: token, CA file; its timeout bounds each step (a step
  // waits up to 10 s for the slot's picos: leave room).
  client::Options http;
};

struct SlotMoveResult {
  std::string from, to;
  std::size_t picos = 0, records = 0;
  bool released = true;  // false: the source kept its (unreachable) copy
  std::string release_error;
  std::chrono::milliseconds took{0};
};

// The value of moves/<slot> (the one owner of its format): JSON
// {"from", "to", "phase", "started"}. Membership reads it so that a node
// keeps refusing a slot planned away from it, across restarts too.
std::string encode_move_plan(const std::string& from, const std::string& to,
                             std::int64_t started_ms);
// False when `value` is not a plan encode_move_plan wrote.
bool decode_move_plan(const std::string& value, std::string* from, std::string* to);

api::Status move_slot(EtcdClient& kv, const SlotMove& move, SlotMoveResult* out,
                      const std::function<void(const std::string&)>& progress = {});

}  // namespace spime::cluster
