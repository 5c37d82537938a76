// A pico's episode log: what each event did on the pico, kept per pico, as the
// reference keeps its per-pico log lines (pico-engine's getPicoLogs) for the
// engine UI's Logging tab (io.picolabs.pico-engine-ui's `logs`), and what a
// live stream of the pico carries (runtime/streams/watch_hub.h).
//
// One episode per event a pico ran (its schedule, raised events included),
// numbered by the pico's own counter (0, 1, 2, ... no gaps). An episode holds
// the event (eid, eci, domain, name, attributes, time), "t0" (the time of its
// first line) and its lines, each ms after t0: the frequent ones as short
// arrays (["s", dt, rid, rule] rule selected, ["f", dt] / ["n", dt] that rule
// fired / did not, ["e", dt, event] event added to schedule, ["d", dt] done),
// the others {"t": dt, "level", "msg", ...fields}; reference_entries()
// expands them all into the reference's entries and messages:
//   "event added to schedule" {event}      the event, then each raised one
//   "rule selected" {rid, rule_name}       then "fired" or "not fired"
//   klog lines (level "klog", msg, val)    `log` statements (their level)
//   "directive" {name, options}            each directive the event answered
//   "txnError" {error} (level "error")     a failed schedule (nothing else of
//                                          it was written)
//   "txnDone"                              the end
// Stored as JSON in the log format of log_records.h (key g/<pico><sep><n>,
// state n/<pico><sep>, engine/store/keys.h), appended with pico_log.h's
// append (bounded by count and age, O(1) amortized, never a rewrite), and
// written in the SAME batch as the event's other writes (a failed event's
// episode, which has no other writes, in a batch of its own).
//
// Queries too, as the reference logs them (pico-framework's txn of kind
// "query"): one episode per query a pico answered for a client (HTTP, and
// eventQuery's query as "<eid>.q"), in the same log and
// numbering, {"txnId", "kind": "query", "query": {eci, rid, name, args},
// "t0", "lines"}, whose lines are its klog/log output, then "txnDone" or
// "txnError" {error} (the answer's value is not kept: it may be large).
// A query writes nothing and never waits for a write: its episode goes to
// the committer as a batch of its own that no answer waits for (bounded by
// the committer's queue: refused when it is full, then the episode is
// lost), so a crash may lose the episodes of the last queries. It is in the
// store before the answer of any event sent to the pico after the query's
// answer (commits are in order). Queries of the engine UI ruleset itself
// (kEngineUiRid: box, pico, logs, ...) are not kept: the reference's `logs`
// never shows them, and the UI's polling would push the pico's events out
// of its bounded log. Nor are the queries a pico's run makes of other picos
// (ctx:query, ctx:eventQuery; the reference logs them on the queried pico):
// a listing such as wrangler:children() asks every child twice, and an
// episode per call made a listing of 2,000 children write 4,000 batches
// (the contract test of 8 clients making 2,000 children took 89 s instead
// of 19 s). Streams carry events only (a query's number is a gap
// in a stream's ids, which Last-Event-ID resume does not mind).
//
// Off: for the whole engine (`spime serve --pico-logs off`:
// EpisodeLogOptions::enabled), for a pico (its UI ruleset's entity variable
// `pico_logs` set to false: event engine_ui:pico_logs {"on": false}), for a
// channel (tag kNoLogsTag: events that come in through it leave no episode).
// A pico or channel that keeps no episode shows nothing on its streams. The
// same switches apply to queries (the channel: the one the query came in on).
//
// Thread-safety: an EpisodeRecorder and an EpisodeLogState belong to the
// thread running the pico's schedule; the free functions reading the store
// are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/krl/value.h"

namespace spime::store {
class Store;
class WriteBatch;
}  // namespace spime::store

namespace spime::runtime {

struct EpisodeLogOptions {
  bool enabled = true;
  std::uint64_t max_count = 200;                 // episodes kept per pico
  std::int64_t max_age_ms = 12 * 3600 * 1000LL;  // the reference shows 12 hours
};

// A channel with this tag leaves no episode for the events it brings in.
inline constexpr std::string_view kNoLogsTag = "no-logs";
// The pico setting: this entity variable of the UI ruleset, false: off.
inline constexpr std::string_view kEngineUiRid = "io.picolabs.pico-engine-ui";
inline constexpr std::string_view kPicoLogsVar = "pico_logs";

// The lines of one episode as its schedule runs: JSON text appended as it
// goes (no value tree is built on the event's path).
class EpisodeRecorder {
 public:
  using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;
  // A line with string fields, and at most one field already JSON (`json_name`: `json`).
  void line(std::int64_t time_ms, std::string_view level, std::string_view msg, Fields strings = {},
            std::string_view json_name = {}, std::string_view json = {});
  // The frequent lines, short: "rule selected", "fired"/"not fired" (of the rule selected
  // last), "event added to schedule" (`event_json`: the event as JSON), "txnDone".
  void rule_selected(std::int64_t time_ms, std::string_view rid, std::string_view rule);
  void rule_ran(std::int64_t time_ms, bool fired);
  void scheduled(std::int64_t time_ms, std::string_view event_json);
  void done(std::int64_t time_ms);
  bool empty() const { return lines_.empty(); }
  // The lines as a JSON array's text, and the time they count from.
  std::string lines_json() const { return "[" + lines_ + "]"; }
  std::int64_t base_ms() const { return base_ms_; }

 private:
  // Starts a line: the separator, then `open` and the time since the first line.
  void begin(std::int64_t time_ms, std::string_view open);
  std::string lines_;  // comma-separated lines
  std::int64_t base_ms_ = 0;
};

// The event an episode is about.
struct EpisodeEvent {
  std::string eid, eci, domain, name;
  std::string attrs_json;  // the attributes, as JSON text
  std::int64_t time_ms = 0;
};

// The stored episode: {"txnId", "kind": "event", "event": {...}, "lines": [...]}.
std::string episode_json(const EpisodeEvent& event, const EpisodeRecorder& lines);

// The query an episode is about.
struct EpisodeQuery {
  std::string txn_id, eci, rid, name;
  std::string args_json;  // the arguments, as JSON text
};

// The stored episode of a query: {"txnId", "kind": "query", "query": {"eci", "rid", "name",
// "args"}, "t0", "lines"}.
std::string query_episode_json(const EpisodeQuery& query, const EpisodeRecorder& lines);

// What a stream carries of an episode (the SSE event's data):
// {"seq", "eid", "eci", "domain", "type", "attrs", "time"} (time as ms).
std::string stream_data(std::uint64_t seq, const EpisodeEvent& event);

// What a collection's stream carries of a member's reading (streams/watch_hub.h):
// {"member" (its pico id), "eid", "domain", "type", "attrs", "time"} (no eci: the
// member's channel is not the watcher's to know).
std::string member_stream_data(std::string_view member_id, const EpisodeEvent& reading);

// The log's state as a pico keeps it (PicoState::episodes()).
struct EpisodeLogState {
  bool loaded = false;
  krl::Value meta;  // log_records.h's LogMeta, encoded
};

// Appends one episode (episode_json's text) to pico `pico_id`'s log: its
// entry, the log's new state, and the drops retention asks for go into
// `batch`. Answers the episode's number.
std::uint64_t append_episode(const store::Store& store, const std::string& pico_id,
                             EpisodeLogState& state, const EpisodeLogOptions& options,
                             std::int64_t now_ms, std::string json, store::WriteBatch& batch);

struct StoredEpisode {
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;  // when it was appended
  krl::Value value;          // as episode_json wrote it
};

// The committed episodes numbered after `after` (all kept ones when nullopt),
// oldest first, at most `limit`; those appended before `oldest_ms` are left
// out. One range read.
std::vector<StoredEpisode> read_episodes(const store::Store& store, std::string_view pico_id,
                                         std::optional<std::uint64_t> after, std::size_t limit,
                                         std::int64_t oldest_ms);

// The newest `limit` committed episodes, oldest first (one point read, one range read).
std::vector<StoredEpisode> newest_episodes(const store::Store& store, std::string_view pico_id,
                                           std::size_t limit, std::int64_t oldest_ms);

// The event of a stored episode (for stream_data); false if it has none (a query's).
bool episode_event(const krl::Value& episode, EpisodeEvent* out);

// The reference's log entries of one episode, appended to *out in order: each
// {"level", "time" (ISO), "txnId", "msg", ...fields}, the first a txnQueued
// entry carrying {"txn": {"id", "kind": "event", "event": {"eci", "domain",
// "name", "data": {"attrs"}, "time"}}} as pico-framework's, or for a query
// {"txn": {"id", "kind": "query", "query": {"eci", "rid", "name", "args"}}}.
void reference_entries(const StoredEpisode& episode, krl::Array* out);

}  // namespace spime::runtime
