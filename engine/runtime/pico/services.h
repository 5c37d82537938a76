// Services: what the pico runtime needs from the engine around it while it
// runs one event schedule or one query on one pico.
//
// The runtime never reaches another pico's state directly: cross-pico calls
// from KRL (ctx:query, ctx:eventWait, ctx:eventQuery, ctx:delPico, channel
// lookups) go through the non-virtual entry points below, always within the
// calling schedule's Transaction. They
//  * resolve the ECI: a pico created in this transaction first (its state is
//    in the Transaction), then an existing pico;
//  * refuse a family channel to any pico but its owner (check_family in
//    channel_policy.h), then check the channel's policy (as for HTTP);
//  * refuse a call to the calling pico itself (kConflict: it would wait for
//    the schedule that is waiting; use raise);
//  * run on a created pico inline, inside the transaction (its writes commit
//    with the caller's, or not at all);
//  * hand existing picos to the implementation: the engine runs the call on
//    the target pico's state behind its queue (engine_services.h), the
//    offline LocalServices over the store.
// Whatever they read that is not yet durable is recorded in
// Transaction::depends_on, so the caller's answer can wait for it.
//
// Implementations must be safe to call from the pico's thread while other
// picos run on other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/api/status.h"
#include "engine/krl/callable.h"
#include "engine/krl/value.h"
#include "engine/runtime/limits.h"
#include "engine/runtime/records/records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class PicoState;
class PrototypeCatalog;
class RulesetRegistry;
struct Transaction;

// A query: by channel, ruleset and shared function name.
struct QueryCall {
  std::string eci;
  std::string rid;
  std::string name;
  krl::Map args;
};

// ctx:eventWait / ctx:eventQuery: an event for another pico, and for
// eventQuery the query to run on that pico once the event's schedule is done.
struct WaitedEvent {
  std::string eci;
  std::string domain;
  std::string name;
  krl::Map attrs;
  bool with_query = false;
  std::string query_rid;
  std::string query_name;
  krl::Map query_args;
};

struct WaitAnswer {
  std::string eid;
  krl::Array directives;
  krl::Value query_value;  // with_query only
  // The message of the `error error` that ended the event's schedule (which
  // still succeeded, as the reference), if one did: ctx:eventWait's
  // failOnError fails the caller with it.
  std::optional<std::string> user_error;
};

// What rulesets may read of the engine's settings (meta:engineConfig).
struct EngineConfig {
  // io.picolabs.subscription makes least-privilege Rx channels by default
  // (spime serve --strict-subscription-policies).
  bool strict_subscription_policies = false;
};

class Services {
 public:
  virtual ~Services() = default;

  virtual RulesetRegistry& registry() = 0;
  virtual store::Store& store() = 0;
  // The prototypes the `prototypes` module answers from (the engine's
  // catalog); by default (offline) an empty one.
  virtual const PrototypeCatalog& prototypes();

  // Milliseconds since the epoch: the time of events, time:now(), when
  // schedules are due. The engine answers from its clock (timers/clock.h);
  // by default the system clock (wall_clock()).
  virtual std::int64_t now_ms();
  // The engine's base url for meta:host ("" offline).
  virtual std::string host_url() { return ""; }
  // The settings meta:engineConfig answers (defaults offline).
  virtual EngineConfig engine_config() { return {}; }
  // Fresh ids (pico ids, ECIs, eids).
  virtual std::string new_id();
  // A fresh ECI for a channel of a pico whose record says `slot`
  // (records/ids.h new_eci).
  virtual std::string new_eci(std::optional<cluster::Slot> slot);
  // The slot of a new pico whose parent has none (the root, or a pico made
  // before slots): one drawn at random (EngineServices on a cluster node
  // draws among the slots the node owns).
  virtual cluster::Slot slot_for_new_pico();
  // Where an event for `eci` sent without a host must go: "" when it is
  // for this engine (or there is no cluster), else the cluster's address
  // (host_url(), the router), for an ECI whose slot (override included)
  // another node owns, or whose pico is sealed or planned away for a move: a
  // cluster's engines share one meta:host, so the reference's rulesets
  // send between them without a host (docs/cluster.md).
  virtual std::string cluster_host_of(const std::string& eci) { return ""; }
  // Limits for each evaluation (krl::Limits), and the wall-clock budget of
  // one event schedule (with the events it raises) and of one query
  // (engine/runtime/limits.h; 0: none). Set before the services are used
  // (the engine sets them from EngineOptions at start); read-only after.
  const krl::Limits& limits() const { return limits_; }
  std::chrono::milliseconds event_budget() const { return event_budget_; }
  std::chrono::milliseconds query_budget() const { return query_budget_; }
  void set_budgets(std::chrono::milliseconds event, std::chrono::milliseconds query) {
    event_budget_ = event;
    query_budget_ = query;
  }
  // Entries one ruleset's schedule may hold on one pico (limits.h).
  std::size_t max_scheduled_events() const { return max_scheduled_events_; }
  void set_max_scheduled_events(std::size_t n) { max_scheduled_events_ = n; }
  // Set when running evaluations must give up (the engine stopping): each
  // schedule and query points its EvalContext::interrupt here. Null: never.
  virtual const std::atomic<bool>* interrupt() { return nullptr; }

  // The channel `eci` as `txn` sees it (created in it, or existing), or nullopt.
  std::optional<ChannelRecord> channel(Transaction& txn, const std::string& eci);

  // ctx:query from pico `from_pico_id`: the channel's query policy applies.
  // An ECI of a pico of another engine of the cluster is asked there
  // (cluster/remote_query.h).
  api::Result<krl::Value> query(Transaction& txn, const std::string& from_pico_id,
                                const QueryCall& query);

  // ctx:eventWait / ctx:eventQuery from pico `from_pico_id`: the channel's
  // event (and query) policy apply; runs the event's schedule on the
  // channel's pico, then the query there.
  api::Result<WaitAnswer> event_wait(Transaction& txn, const std::string& from_pico_id,
                                     const WaitedEvent& event);

  // ctx:delPico: erases pico `pico_id` and its descendants in `txn` (records,
  // channels, state, children). Answers the ECI of the pico's parent link
  // (the channel on its parent that the pico used to reach it), if any.
  api::Result<std::optional<std::string>> delete_pico_tree(Transaction& txn,
                                                           const std::string& pico_id);

 protected:
  // ---- existing picos (not created in the calling transaction) ----
  virtual std::optional<ChannelRecord> existing_channel(Transaction& txn,
                                                        const std::string& eci) = 0;
  // Policies are checked, the target is not the caller.
  virtual api::Result<krl::Value> query_existing(Transaction& txn, const ChannelRecord& channel,
                                                 const QueryCall& query) = 0;
  virtual api::Result<WaitAnswer> event_wait_existing(Transaction& txn,
                                                      const ChannelRecord& channel,
                                                      const WaitedEvent& event) = 0;
  // The pico's current state, held (no other schedule runs on it) until the
  // transaction ends, for ctx:delPico.
  virtual api::Result<PicoState*> hold_for_deletion(Transaction& txn,
                                                    const std::string& pico_id) = 0;

 private:
  krl::Limits limits_;
  std::chrono::milliseconds event_budget_ = limits::kEventBudget;
  std::chrono::milliseconds query_budget_ = limits::kQueryBudget;
  std::size_t max_scheduled_events_ = limits::kMaxScheduledEvents;

  api::Status delete_tree(Transaction& txn, const std::string& pico_id, int depth,
                          std::optional<std::string>* parent_link);
};

}  // namespace spime::runtime
