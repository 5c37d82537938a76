// Membership: this engine as one node of a cluster (docs/cluster.md). It
// keeps a lease in etcd, registers the node under it, keeps the slot table
// (slot_table.h) current from one etcd watch, and opens or closes the
// table's fence as it hears from etcd.
//
// Keys, under /spime/<cluster>/:
//   nodes/<node>   the advertised URL, on the node's lease
//   slots/<slot>   the owner's name (slot as 3 hex digits, slots.h)
//   init           the name of the node that filled the slot table
//   moves/<slot>   a slot's move in progress (slot_mover.h)
//   pico-moves/<id> a pico's move in progress (pico_mover.h)
//   overrides/<eci> the slot an ECI routes by, when not its own (pico_mover.h)
//
// Contract:
//   - start() joins: grants a lease, registers the node (kConflict when a
//     live node already has the name), fills the slot table with this node
//     as owner of every slot if no node has done so (one node wins, in a
//     transaction on `init`; a node that finds the table partly filled by a
//     winner that died fills in what is missing, each slot only if absent),
//     reads the table, opens the fence and starts the loop thread.
//     kUnavailable when etcd cannot be reached or loses the race in time.
//   - The loop renews the lease every TTL/3 and applies the watch's changes
//     in revision order. The fence stays open until the last contact + TTL
//     minus a fifth of it, where a contact is a renewed lease or, when
//     renewing fails, a member's word that it has no leader (then no lease
//     can expire and no slot can change: issue 22's "2 of 3 etcd members
//     down" case keeps serving). When the lease is gone (it expired while
//     this process was stopped or cut off), the fence closes at once and
//     stays closed until the node has registered again under a new lease
//     and read the whole table again: a slot that was given to another node
//     meanwhile is never served from the old table. A member's "no leader"
//     only keeps a fence open that is still open: a process that wakes
//     past its deadline must first hear that its lease lives. The fence
//     lasts 4/5 of the TTL; etcd needs up to two election timeouts (2 s by
//     default) to say it has no leader, so a TTL under 5 s can close the
//     fence briefly when the quorum goes (the default is 10 s).
//   - What is given up: a node cut off with a minority of members, which say
//     they have no leader, keeps serving, while the majority may expire its
//     lease. Slots only move with their data (docs/cluster.md), so this
//     matters only if an operator forces a slot away from an unreachable
//     node.
//   - The destructor (or stop()) ends the loop and revokes the lease, so the
//     node leaves at once; its slots keep their owner.
//
// Thread-safety: start() and stop() from one thread; table() is read by any.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "channels/client/http_client.h"
#include "engine/api/status.h"
#include "engine/cluster/slot_table.h"

namespace spime::cluster {

struct MembershipOptions {
  std::vector<client::Url> etcd;  // the members' client URLs
  std::string cluster = "default";
  std::string node;       // this node's name: [A-Za-z0-9_.-], 1..64
  std::string advertise;  // the URL other nodes and routers reach it at
  std::chrono::seconds lease_ttl{10};
  // Each etcd call's bound (per member tried); 0: a quarter of the TTL, and
  // at most 1 s for renewals.
  std::chrono::milliseconds call_timeout{0};
};

// "/spime/<cluster>/": the prefix of every key the cluster keeps.
std::string cluster_prefix(const std::string& cluster);
// Whether `name` is fit for a node or cluster name: 1..64 of [A-Za-z0-9_.-].
bool valid_cluster_name(const std::string& name);

class Membership {
 public:
  static api::Status start(MembershipOptions options, std::unique_ptr<Membership>* out);
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  const SlotTable& table() const { return table_; }
  const MembershipOptions& options() const { return options_; }
  // How many times the node registered again after losing its lease.
  int rejoins() const { return rejoins_.load(std::memory_order_acquire); }

  void stop();

 private:
  explicit Membership(MembershipOptions options);
  struct Loop;

  MembershipOptions options_;
  SlotTable table_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> rejoins_{0};
  std::unique_ptr<Loop> loop_;  // etcd clients and state, the thread's own
  std::thread thread_;
};

}  // namespace spime::cluster
