// `spime cluster move SLOT --to NODE --etcd URLS [--cluster NAME]
//  [--token-file FILE] [--cafile FILE] [--json]`: moves a slot, its picos
// and their state, to another live node (engine/cluster/slot_mover.h runs
// the plan, export, import, flip and release). Prints each phase, then the
// picos and records moved and the time taken (--json: one object).
//
// `spime cluster move-pico ID|NAME --to NODE ...` (the same options): moves
// one pico without children into a slot of NODE; its ECIs route there
// through overrides (engine/cluster/pico_mover.h).
//
// `spime cluster rebalance --etcd URLS [--cluster NAME] [--max-moves N]
//  [--dry-run] [--json]`: moves slots, one at a time, until every live node
// has its share (engine/cluster/rebalance.h); stops at the first refusal
// (exit 1), having moved what it moved.
//
// Exit codes (command.h): 1 when the move is refused (the slot is the
// node's already, changed meanwhile, another move is planned, an engine
// refuses a step, etcd refuses the plan; move-pico: no such pico, one with
// children, a name several picos have), 2 for bad usage (a slot that is
// not 3 lower-case hex digits), 3 when etcd cannot be read (no member
// answers, or none has a leader: without a quorum moves wait). Called
// once, from add_cluster_commands.
#pragma once

#include "cli/command.h"

namespace spime::cli {

void add_cluster_move_command(CLI::App* cluster_group, Outcome* out);

}  // namespace spime::cli
