// RuntimeHost: the krl::Host of one event schedule or one query on one pico.
//
// It is the schedule's overlay on its own pico: entity writes, select-when
// states, channel, child and installation changes are held here, on top of
// the PicoState, until run_event either applies them to the PicoState and
// the schedule's Transaction (success) or drops the host (error). Reads see
// the overlay first, so a rule sees what earlier rules of the same schedule
// wrote. Writes that concern other picos (ctx:newPico, ctx:delPico) and
// scheduled events go to the Transaction directly. A query host is
// read-only: any write throws KrlError.
//
// The runtime modules (runtime_modules.h) reach the pico through
// RuntimeHost::from(ctx).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/krl/host.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/pico/services.h"
#include "engine/runtime/pico/transaction.h"

namespace spime::runtime {

struct QueryInfo {
  std::string eci, rid, name;
  krl::Map args;
};

class RuntimeHost : public krl::Host {
 public:
  // `query` null: an event schedule. `txn` outlives the host.
  RuntimeHost(PicoState& pico, Services& services, Transaction& txn, const QueryInfo* query);

  // The RuntimeHost behind ctx.host; throws KrlError "<what> needs a pico"
  // when the evaluation has no RuntimeHost.
  static RuntimeHost& from(krl::EvalContext& ctx, const char* what);

  // krl::Host
  krl::Value get_ent(std::string_view rid, std::string_view name) override;
  void put_ent(std::string_view rid, std::string_view name, const krl::Value& value) override;
  void del_ent(std::string_view rid, std::string_view name) override;
  void raise_event(krl::RaisedEvent event) override;
  void clear_schedule() override;
  void declare_event_error(const std::string& message) override;
  krl::Value schedule_event(krl::ScheduledEvent event) override;
  krl::Value send_directive(std::string_view name, const krl::Value& options) override;
  void stop_rule_selection() override { last_ = true; }
  void set_current_rule(std::string_view rid, std::string_view rule_name) override;
  const std::string& running_rid() const override { return rid_; }
  void set_running_rid(const std::string& rid) override { rid_ = rid; }
  const krl::CurrentEvent* current_event() const override;
  void log(krl::LogLevel level, std::string_view rid, const std::string& message) override;
  // The engine's clock (Services::now_ms).
  std::int64_t now_ms() override;

  PicoState& pico() { return pico_; }
  Services& services() { return services_; }
  Transaction& txn() { return txn_; }
  const QueryInfo* query() const { return query_; }
  const std::string& current_rid() const { return rid_; }
  const std::string& current_rule() const { return rule_; }
  void throw_if_read_only(const char* what) const;

  // ---- schedule (used by run_event) -------------------------------------
  struct Entry {
    std::string rid;
    krl::CurrentEvent event;
  };
  std::deque<Entry> schedule;
  // Where the schedule is (for error messages; run_rule resets the current rule).
  std::string at_rid, at_rule;
  size_t scheduled_total = 0;  // entries ever added (bounded)
  void add_to_schedule(std::string rid, krl::CurrentEvent event);
  void set_event(const krl::CurrentEvent* e) { event_ = e; }
  bool take_last() {
    bool l = last_;
    last_ = false;
    return l;
  }

  // ---- overlay --------------------------------------------------------------
  // Installed rids as this schedule sees them (committed + installed - removed).
  std::vector<std::string> installed_rids() const;
  const Installation* installation(std::string_view rid) const;
  krl::Value rule_state(const std::string& rid, const std::string& rule);
  void set_rule_state(const std::string& rid, const std::string& rule, krl::Value state);
  // Channels of this pico as this schedule sees them, in creation order
  // (proportional to their number: for ctx:channels).
  std::vector<ChannelRecord> channels() const;
  // Whether `eci` is one of this pico's channels now (this schedule's changes included):
  // O(log channels), where channels() copies them all.
  bool has_channel(const std::string& eci) const;
  // The channels whose tags, as a set with repeats, are `tags`, in creation
  // order: O(channels) comparisons but copies only those that match (where
  // channels() copies every record).
  std::vector<ChannelRecord> channels_tagged(std::vector<std::string> tags) const;
  std::int64_t next_channel_order() const;
  // Children (child-link ECIs) as this schedule sees them.
  std::vector<std::string> children() const;  // in creation order
  bool has_child(const std::string& eci) const;
  void add_child(const std::string& eci);
  void remove_child(const std::string& eci);
  std::optional<ChannelRecord> channel(const std::string& eci) const;
  void put_channel(ChannelRecord c);
  void del_channel(const std::string& eci);
  void install(Installation inst);
  void uninstall(const std::string& rid);

  // ---- raw keys (log entries: runtime/logs/) ------------------------------
  // Keys of ruleset `rid` outside entity variables, through this schedule's
  // overlay (then PicoState::read_raw). Writes throw in a query.
  bool get_raw(const std::string& rid, const std::string& key, std::string* value) const;
  // The keys in [begin, end) as this schedule sees them, in key order: one
  // store iterator and the overlays (erased keys map to nullopt: skip them).
  // For short ranges (a page of a log): the whole range is held in memory.
  void get_raw_range(const std::string& rid, const std::string& begin, const std::string& end,
                     PicoState::RawRange* out) const;
  void put_raw(const std::string& rid, const std::string& key, std::string value);
  void erase_raw(const std::string& rid, const std::string& key);
  // Erases every key starting with `prefix` (a log's entries) before this
  // schedule's own raw writes: what it writes afterwards stays. Reads of
  // such keys are not affected (a log never reads below its head).
  void erase_raw_prefix(const std::string& rid, const std::string& prefix);

  // Applies the overlay to the PicoState and appends it to the transaction
  // (its batch and channel changes).
  void commit();

  // Where this schedule's episode is recorded (logs/episode_log.h); null: not recorded.
  EpisodeRecorder* episode = nullptr;

  krl::Array directives;
  std::vector<ScheduledEntry> raised;
  // The message of the first `error error` (declare_event_error), if any.
  std::optional<std::string> user_error;
  std::vector<std::pair<std::pair<std::string, std::string>, krl::Value>> ent_log() const;

 private:
  PicoState& pico_;
  Services& services_;
  Transaction& txn_;
  const QueryInfo* query_;
  const krl::CurrentEvent* event_ = nullptr;
  std::string rid_, rule_;
  bool last_ = false;
  std::map<std::pair<std::string, std::string>, std::optional<krl::Value>, std::less<>> ents_;
  std::vector<std::pair<std::string, std::string>> ent_order_;
  std::map<std::pair<std::string, std::string>, krl::Value> rule_states_;
  std::map<std::string, std::optional<ChannelRecord>> channel_writes_;
  std::vector<Installation> installs_;  // installed during this schedule
  std::set<std::string> uninstalled_;
  std::vector<std::pair<std::string, std::int64_t>> added_children_;  // (eci, order)
  std::set<std::string> removed_children_;
  struct RawWrite {
    std::string rid;
    std::optional<std::string> value;  // nullopt: erased
  };
  std::map<std::string, RawWrite, std::less<>> raw_writes_;
  std::vector<std::pair<std::string, std::string>> raw_erased_prefixes_;  // (rid, prefix)

 public:
  const PicoRecord& record() const { return pico_.record(); }
};

// The episode line of an event added to the schedule (the incoming one, each raised one).
// Without attrs for the incoming event: the episode holds them once (episode_log.h).
void record_scheduled(EpisodeRecorder& episode, const krl::CurrentEvent& e, std::int64_t now_ms,
                      bool with_attrs = true);
// "debug", "info", "warn" or "error".
const char* level_name(krl::LogLevel level);

// Throws KrlError when `v` holds a function, action or regexp anywhere
// (entity variables are stored as JSON).
void check_storable(const krl::Value& v, std::string_view what);

}  // namespace spime::runtime
