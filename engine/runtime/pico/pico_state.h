// PicoState: one pico's in-memory persona, loaded from the store and kept
// by whoever runs the pico (the pico actor; the offline runner).
//
// It holds what every event needs without a store read: the pico record
// (parent), its children, its channels, its installations in install order
// (each with its RulesetInstance and per-rule SelectWhen), and caches of
// entity variables and select-when states, filled lazily from the store.
// Adding or removing a child or a channel costs the same however many the
// pico has (only listing them is proportional).
//
// Not thread-safe: one pico is driven by one thread at a time (its actor).
// Mutated only by the runtime: run_event applies a successful schedule's
// changes to it (event_schedule.h); nothing else writes it.
//
// If a batch produced by run_event later fails to commit, the cache is ahead
// of the store: the owner must drop this PicoState and load() it again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/program.h"
#include "engine/runtime/logs/episode_log.h"
#include "engine/runtime/records/entity_records.h"
#include "engine/runtime/records/records.h"
#include "engine/runtime/rulesets/ruleset_registry.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class Services;

struct Installation {
  std::string rid;
  InstallRecord record;  // url, config, order
  std::shared_ptr<const LoadedRuleset> ruleset;
  std::shared_ptr<krl::RulesetInstance> instance;
  // Per rule: the registry's SelectWhen, or one compiled for this instance
  // when the rule's `within` is not a literal.
  // Shared with the registry's unless a `within` depends on this pico.
  std::shared_ptr<const RuleSelects> select;
};

class PicoState {
 public:
  // Loads pico `pico_id`: its record, channels and installations; creates a
  // RulesetInstance for each installed ruleset (registry's current version).
  // nullptr + *error when the pico does not exist or a record is corrupt.
  // An installed rid missing from the registry, or whose globals fail, is an
  // error too (the pico cannot run correctly without it).
  static std::unique_ptr<PicoState> load(store::Store& store, Services& services,
                                         const std::string& pico_id, std::string* error);
  // A pico that is not in the store yet (ctx:newPico): its record, channels and installations
  // (rulesets' globals run now). nullptr + *error as load().
  static std::unique_ptr<PicoState> create(
      store::Store& store, Services& services, const std::string& pico_id, PicoRecord record,
      std::vector<ChannelRecord> channels,
      const std::vector<std::pair<std::shared_ptr<const LoadedRuleset>, InstallRecord>>& installs,
      std::string* error);

  const std::string& id() const { return id_; }
  const PicoRecord& record() const { return record_; }
  PicoRecord& mutable_record() { return record_; }
  store::Store& store() const { return *store_; }

  // Channels are read from the store when asked for, not at load: a pico
  // with 100,000 channels (the root has one per child) loads as fast as one
  // with three. One channel costs a point read the first time; listing them,
  // finding them by tags, and a new channel's order when the pico record does
  // not keep it (records written before it did) read them all, once.
  //
  // The channel `eci` of this pico; nullptr when it has none by that ECI.
  const ChannelRecord* channel(const std::string& eci) const;
  // All channels by ECI, and the ECIs in creation order.
  const std::map<std::string, ChannelRecord>& channels() const;
  std::vector<const ChannelRecord*> channels_in_order() const;
  void put_channel(ChannelRecord c);
  void erase_channel(const std::string& eci);
  // The channels whose tags are exactly `tags` (as a set of strings, compared
  // as given), any order: through an index, once all are read.
  std::vector<const ChannelRecord*> channels_with_tags(std::vector<std::string> tags) const;

  // Children: ECIs of the child links, each with its creation order. Read
  // as channels are (above): one by a point read, all only to list them or
  // to learn the next order from a record that does not keep it.
  std::vector<std::string> children_in_order() const;
  bool has_child(const std::string& eci) const;
  void add_child(const std::string& eci, std::int64_t order);
  void remove_child(const std::string& eci);
  std::int64_t next_child_order() const;

  const std::vector<Installation>& installations() const { return installs_; }
  // Installed rulesets the registry did not have when this state was loaded
  // (one that no longer compiles after an upgrade: registry's load_errors):
  // the pico runs without them; PicoActors installs each once it is
  // registered again. Their installation records stay in the store.
  std::vector<std::pair<std::string, InstallRecord>>& unloaded() { return unloaded_; }
  const Installation* installation(std::string_view rid) const;
  // Creates the instance (EvalContext for its globals from `services`) and
  // appends/replaces it; false + *error (e.g. a KrlError in the globals, a
  // used module not installed here). `also_installed`: rids that count as
  // installed for `use module` besides those already here (a pico being
  // loaded, whose later installations are not made yet).
  bool install(std::shared_ptr<const LoadedRuleset> rs, InstallRecord record, Services& services,
               std::string* error, const std::vector<std::string>* also_installed = nullptr);
  // Appends/replaces an installation whose instance already exists.
  void install_ready(Installation inst);
  void uninstall(std::string_view rid);
  std::int64_t next_install_order() const;
  // Changes whenever the installations change, and differs between any two
  // PicoStates (a cache key: PicoSlot's I/O marking).
  std::uint64_t installs_version() const { return installs_version_; }
  std::int64_t next_channel_order() const;

  // Committed entity value (null when absent); reads the store once per name.
  const krl::Value& ent(const std::string& rid, const std::string& name) {
    return stored_ent(rid, name).value;
  }
  // The same with how it is stored (whole or by key: entity_records.h).
  const entity_records::StoredEnt& stored_ent(const std::string& rid, const std::string& name);
  void set_ent_cache(const std::string& rid, const std::string& name, entity_records::StoredEnt v);
  // For a listing (records/entity_listing.h): the variables held in memory (read or written
  // since the load, durable or not; null: absent), in (rid, name) order; and whether the
  // store's variables of `rid` are stale (uninstalled since the load, or a pico not stored yet).
  const std::map<std::pair<std::string, std::string>, entity_records::StoredEnt>& held_ents()
      const {
    return ents_;
  }
  bool ents_stale_in_store(std::string_view rid) const {
    return fresh_ || cleared_rids_.count(rid) != 0;
  }
  // Committed select-when state of one rule (null = initial).
  const krl::Value& rule_state(const std::string& rid, const std::string& rule);
  void set_rule_state_cache(const std::string& rid, const std::string& rule, krl::Value v);

  // ---- raw keys (log entries: runtime/logs/) ------------------------------
  // Keys a ruleset writes outside entity variables are read from the store
  // when needed, never cached whole. What successful schedules wrote is kept
  // here until it is durable, so the next schedule reads it before the store
  // has it: written by RuntimeHost::commit (put_pending_raw), stamped with
  // the batch's commit sequence number by whoever submits it
  // (seal_pending_raw), dropped once that number is durable
  // (prune_pending_raw).
  //
  // The value of `key` as the last schedule left it; false when absent.
  // `rid` owns the key: nothing of a rid uninstalled since the load is read
  // from the store.
  bool read_raw(std::string_view rid, const std::string& key, std::string* value) const;
  // The keys in [begin, end) as the last schedule left them: one store
  // iterator, then the pending writes over it. An erased key maps to nullopt
  // (a later layer may still overlay it); callers skip those.
  using RawRange = std::map<std::string, std::optional<std::string>, std::less<>>;
  void read_raw_range(std::string_view rid, const std::string& begin, const std::string& end,
                      RawRange* out) const;
  void put_pending_raw(const std::string& rid, const std::string& key,
                       std::optional<std::string> value);
  void seal_pending_raw(std::uint64_t seq);
  void prune_pending_raw(std::uint64_t durable_seq);
  size_t pending_raw_size() const { return pending_raw_.size(); }

  // The state of the pico's episode log (logs/episode_log.h), read from the
  // store at its first append after a load.
  EpisodeLogState& episodes() { return episodes_; }

 private:
  PicoState() = default;
  std::string id_;
  store::Store* store_ = nullptr;
  PicoRecord record_;
  // Channels read or written so far (all of them once all_channels_), and
  // those erased since the load: the store may still hold a channel whose
  // erasure is not durable yet, so these are never read from it again.
  mutable std::map<std::string, ChannelRecord> channels_;
  mutable std::set<std::string, std::less<>> erased_channels_;
  mutable bool all_channels_ = true;  // load() starts with none read
  // Known once all channels are read, or from the pico record.
  mutable bool channel_order_known_ = true;
  mutable std::int64_t next_channel_order_ = 0;
  // Channels by their sorted tags joined with 0x1F (channels_with_tags).
  mutable std::multimap<std::string, std::string> ecis_by_tags_;
  void load_all_channels() const;
  void keep_channel(ChannelRecord c) const;
  void unindex_channel(const std::string& eci) const;
  // As channels_: the child links read or added (child eci -> order), and
  // those removed since the load.
  mutable std::map<std::string, std::int64_t> children_;
  mutable std::set<std::string, std::less<>> removed_children_;
  mutable bool all_children_ = true;  // load() starts with none read
  mutable bool child_order_known_ = true;
  mutable std::int64_t next_child_order_ = 0;
  void load_all_children() const;
  std::vector<Installation> installs_;
  std::vector<std::pair<std::string, InstallRecord>> unloaded_;
  static std::uint64_t next_installs_version();
  std::uint64_t installs_version_ = next_installs_version();
  std::map<std::pair<std::string, std::string>, entity_records::StoredEnt> ents_;
  std::map<std::pair<std::string, std::string>, krl::Value> rule_states_;
  // Nothing of this pico is in the store yet (made by create(), not load()):
  // no entity or select-when state to read.
  bool fresh_ = false;
  // Rids uninstalled since the load: their variables are known to be empty.
  std::set<std::string, std::less<>> cleared_rids_;
  struct PendingRaw {
    std::string rid;
    std::optional<std::string> value;  // nullopt: erased
    std::uint64_t seq = 0;             // 0: not submitted yet
  };
  std::map<std::string, PendingRaw, std::less<>> pending_raw_;
  EpisodeLogState episodes_;
};

// The per-rule select-when machines of an installation whose `instance` and
// `ruleset` are set: the registry's, or one compiled for this instance when a
// rule's `within` is an expression. False + *error ("<rid> rule <name>: ...").
bool build_selects(Installation* inst, std::string* error);

// Whether a rid is installed on the pico an instance is made for.
using InstalledOnPico = std::function<bool(std::string_view rid)>;

// Creates a RulesetInstance of `rs` with `config`, resolving `use module`
// through the registry (each used module gets its own instance, configured by
// `with`). As the reference, a used module must be installed on the same pico
// (`installed`): otherwise "Module not found: <rid>". Errors are thrown as
// KrlError. A ruleset whose globals are shareable gets the instance another
// pico has with the same configuration and modules (shared_instances.h):
// instances are read-only once made, so any number of picos and threads use
// one at once.
std::shared_ptr<krl::RulesetInstance> make_instance(std::shared_ptr<const LoadedRuleset> rs,
                                                    const krl::Map& config, Services& services,
                                                    krl::EvalContext& ctx,
                                                    const InstalledOnPico& installed);

}  // namespace spime::runtime
