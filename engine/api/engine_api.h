// EngineApi: the engine as its clients (the HTTP layer, the CLI, tests) see it.
//
// Every method returns at once (it never blocks the calling thread, which may
// be an HTTP I/O thread) and later calls its `done` callback EXACTLY ONCE, from
// any thread (an engine thread, or inline on the caller's), with a value or a
// non-ok Status (status.h). The HTTP layer posts the reply back to the
// connection's strand and maps the Status to an HTTP status there.
//
// If every copy of a `done` callback is destroyed without being called, the
// HTTP layer answers 500 {"error": "Error: engine dropped the request"}, so a
// lost request never leaves a connection hanging.
//
// What an answer promises (the engine's contract; engine/runtime/engine.h):
// when `done` is called with a value, everything the request did is durable
// and visible to every later request on any channel.
//
// Requests carry what the reference server (pico-engine/src/server.ts) hands
// to pico-engine-core: ECI, domain and name exactly as decoded from the URL
// (untrimmed, possibly blank: validating them is the engine's job, as
// pico-framework's cleanEvent/cleanQuery do), and attributes as a KRL Map
// built by channels/attributes.h (query string, body and `_headers` merged).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/status.h"
#include "engine/krl/value.h"

namespace spime::api {

template <class T>
using Done = std::function<void(Result<T>)>;

// An event as pico-framework's PicoEvent: `attrs` is a Map.
struct EventRequest {
  std::string eci;
  std::string domain;
  std::string name;
  krl::Value attrs;  // Map
  // From another spime's outbox (headers X-Spime-Sender and X-Spime-Event-Id
  // on /c/:eci/event): the sending engine's id and the event's id there, the
  // same on every try. The engine runs an event with the same pair at most
  // once per pico and answers a repeat as an accepted event, without running
  // it (runtime/records/delivery_records.h); values it cannot read are refused
  // with kInvalidArgument. Both empty: an ordinary event.
  std::string sender{};
  std::string sender_event_id{};
};

// Where a device's fixed MQTT topic lands (EngineApi::device_topic).
struct DeviceRoute {
  std::string eci;
  std::string domain;
  std::string type;
};

// A query as pico-framework's PicoQuery: `args` is a Map.
struct QueryRequest {
  std::string eci;
  std::string rid;
  std::string name;
  krl::Value args;  // Map
};

// What eventWait answers (pico-engine-core's formatEventOutput): the event id
// and the directives, each a Map {"type":"directive","name","options","meta"}.
struct EventResult {
  std::string eid;
  krl::Value directives;  // Array
};

// What /api/ui-context answers.
struct UiContext {
  std::string version;
  std::string eci;
};

// What waits in the outbox for one destination (a pico of another engine).
struct OutboxDestination {
  std::string host;  // as event:send named it, trailing '/' trimmed
  std::string eci;
  std::size_t waiting = 0;           // events, the one in flight included
  std::int64_t oldest_age_ms = 0;    // since the first waiting one was sent
  unsigned attempts = 0;             // failed tries of the first waiting one
  std::string last_error;            // why the last try failed ("" if none)
  std::int64_t next_attempt_ms = 0;  // from now; 0 when due or in flight
  bool in_flight = false;            // a POST to it runs now
};

// The outbox of events for other engines: /api/outbox.
struct OutboxStatus {
  std::size_t capacity = 0;  // events it holds at most (then sending events get 503)
  std::size_t waiting = 0;   // events held now (those of schedules not yet durable included)
  std::uint64_t delivered = 0, dropped = 0;     // since the engine started
  std::vector<OutboxDestination> destinations;  // by host, then eci
};

// A move of a test engine's clock (/api/clock): exactly one of the two.
struct ClockRequest {
  std::string eci;                         // the owner's
  std::optional<std::int64_t> advance_ms;  // by this much (may be negative)
  std::optional<std::int64_t> set_ms;      // to this time (ms since the epoch)
};

// An online backup (POST /api/backup): a consistent copy of the data
// directory, made while the engine serves (engine/store/store.h, "Online
// backups"); `spime serve --data DIR` on it serves the same picos.
// One step of moving a pico between cluster nodes (docs/cluster.md, the
// mover is engine/cluster/pico_mover.h): "locate", "export", "import",
// "release" or "unseal". `pico`: its id (locate: an id or a name). `slot`:
// the destination's slot (export and import). `records`: import's body,
// export's answer.
struct PicoMoveStep {
  std::string step;
  std::string pico;
  std::optional<std::uint16_t> slot;
  std::string records;
};

struct BackupRequest {
  std::string dir;  // absolute; must not exist; its parent must
};

struct BackupResult {
  std::string dir;             // lexically normalised
  std::uint64_t sequence = 0;  // the store's (RocksDB's) sequence number the copy holds
  std::int64_t ms = 0;         // how long the copy took
};

// A prototype's text to check (/api/prototypes/check): YAML as file `file`
// of the engine's prototypes folder would hold it.
struct PrototypeCheck {
  std::string file;  // "x.yaml": the prototype must be named x
  std::string yaml;
};

// A live stream of one pico's events (/c/:eci/stream): the events its episode
// log keeps (runtime/logs/episode_log.h), as Server-Sent Events.
struct WatchRequest {
  std::string eci;
  std::string domain;  // only events of this domain ("": any)
  std::string type;    // only events of this name ("": any)
  // Last-Event-ID: first the kept events numbered after it, then live ones.
  std::optional<std::uint64_t> last_event_id;
};

// What the HTTP layer gives a watch: told when the watch has something to
// take or has ended. wake() is called from any engine thread (the committer's
// included), must return at once and never block: post to the connection's
// strand and call Watch::take() there.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  virtual void wake() = 0;
};

// A watch in progress, held by the HTTP layer. Thread-safe.
class Watch {
 public:
  virtual ~Watch() = default;
  // What waits, as SSE text ("id: N\ndata: {...}\n\n" per event; the text
  // may be empty), and whether the watch is over: then the text ends with a
  // last event saying why ("event: dropped" for a watcher that fell too far
  // behind, "event: end" when the engine stops while the connection is
  // still served; `spime serve` stops its HTTP server first, which just
  // closes the connection) and the connection closes
  // once it is written.
  virtual std::string take(bool* ended) = 0;
  // The client is gone: the engine forgets the watch. Idempotent.
  virtual void cancel() = 0;
};

// The engine as the HTTP layer and the MQTT bridge call it. A call added
// here must also be forwarded by runtime/reopening_engine.h, which `spime
// serve` serves through (a default answer there would hide it).
class EngineApi {
 public:
  virtual ~EngineApi() = default;

  // Signal an event and wait for its schedule to finish (and commit).
  // /sky/event/... and /c/:eci/event-wait/...
  virtual void event_wait(EventRequest event, Done<EventResult> done) = 0;

  // Signal an event; answer its eid as soon as it is accepted (queued).
  // /c/:eci/event/:domain/:name
  virtual void event(EventRequest event, Done<std::string> done) = 0;

  // Signal an event, wait for it, then run a query on the same pico and
  // answer the query's value. /c/:eci/event/:d/:n/query/:rid/:q
  virtual void event_query(EventRequest event, QueryRequest query, Done<krl::Value> done) = 0;

  // Run a query function. /c/:eci/query/... and /sky/cloud/...
  virtual void query(QueryRequest query, Done<krl::Value> done) = 0;

  // Re-fetch and re-compile a ruleset already registered from `url`, for the
  // engine's owner only (`eci` is the owner's ECI). Answers the reference's
  // {"url", "rid", "hash", "flushed", "compiler"} as a Map; kPermissionDenied
  // for another eci, kNotFound for a url never registered, kInvalidArgument
  // when it no longer compiles (the registered version stays).
  // /api/flush?url=&eci=
  virtual void flush(std::string eci, std::string url, Done<krl::Value> done) = 0;

  // The engine version and the owner's (UI) ECI. /api/ui-context
  virtual void ui_context(Done<UiContext> done) = 0;

  // What waits in the outbox for other engines, per destination. /api/outbox
  // An engine without one answers kUnavailable.
  virtual void outbox(Done<OutboxStatus> done) {
    done(Status::unavailable("this engine has no outbox"));
  }

  // The prototypes the engine loaded (engine/runtime/prototypes/), each as
  // prototypes:get answers it (prototype_value.h), in an Array by name.
  // GET /api/prototypes
  virtual void prototypes(Done<krl::Value> done) {
    done(Status::unavailable("this engine has no prototypes"));
  }

  // The persisted rulesets that did not compile when the engine started
  // (a stricter compiler after an upgrade), until registered again: an
  // Array of {"rid", "url", "error"} ("file:line:col: message" lines), by
  // rid. GET /api/ruleset-errors
  virtual void ruleset_errors(Done<krl::Value> done) { done(krl::Value(krl::Array())); }

  // This engine as a node of a cluster (docs/cluster.md): a Map of the
  // cluster, the node, its fence, the slot table's revision and every node
  // with its URL and slot count (engine/runtime/cluster/cluster_status.h).
  // kNotFound when the engine is not in one. GET /api/cluster
  virtual void cluster(Done<krl::Value> done) {
    done(Status::not_found("this engine is not in a cluster (spime serve --cluster-etcd)"));
  }

  // One of them; kNotFound "unknown prototype NAME". GET /api/prototypes/NAME
  virtual void prototype(std::string name, Done<krl::Value> done) {
    done(Status::not_found("unknown prototype " + name));
  }

  // Checks a prototype's text as loading would (its `extends` against the
  // loaded ones), loading and registering nothing: the names of the
  // prototypes it holds, or kInvalidArgument "file:line:col: message".
  // POST /api/prototypes/check
  virtual void check_prototype(PrototypeCheck check, Done<std::vector<std::string>> done) {
    (void)check;
    done(Status::unavailable("this engine has no prototypes"));
  }

  // Watches pico events through channel `eci` (/c/:eci/stream): the
  // channel's query policy must allow the query io.picolabs.pico-engine-ui
  // `logs` (a stream shows part of what that query shows), and its event
  // policy bounds which events are shown. kNotFound for an unknown ECI,
  // kPermissionDenied when the policy refuses, kUnavailable beyond the
  // engine's watcher limit. `done` gets the Watch once it is registered;
  // the sink is woken when there is something to take.
  virtual void watch(WatchRequest request, std::shared_ptr<WatchSink> sink,
                     Done<std::shared_ptr<Watch>> done) {
    (void)request;
    (void)sink;
    done(Status::unavailable("this engine has no streams"));
  }

  // Test-only: moves the engine's clock when it is a manual one (`spime serve
  // --manual-clock`), then fires the schedules now due (queued at their picos
  // before the answer, so a later request on such a pico sees them run) and
  // answers the clock's time. For the owner only (kPermissionDenied for
  // another eci); kInvalidArgument unless exactly one of advance/set is
  // given; kNotFound when the clock is the system's (the default).
  // /api/clock?advance=MS|set=MS&eci=
  virtual void clock(ClockRequest request, Done<std::int64_t> done) {
    (void)request;
    done(Status::not_found("this engine's clock cannot be driven"));
  }

  // Copies the data directory into request.dir while serving: every event
  // answered before the call is in the copy. The copy runs off the caller's
  // thread, one at a time. kInvalidArgument for a path that is not absolute,
  // whose parent is missing or not writable, or inside the data directory;
  // kConflict when it exists; kUnavailable while another backup runs (or
  // the engine stops); kInternal for an I/O error or a full disk (nothing is
  // left at the path then). POST /api/backup. Default: kUnavailable.
  virtual void backup(BackupRequest request, Done<BackupResult> done) {
    (void)request;
    done(Status::unavailable("this engine cannot back up its data"));
  }

  // Moving a slot of a cluster between engines (docs/cluster.md): the steps
  // the mover (engine/cluster/slot_mover.h) runs on the source and the
  // destination, POST /api/cluster/slots/<slot>/<step>. export answers the
  // slot's records (sealing it), import writes them, release erases the
  // slot's picos once the table names another owner, unseal undoes export.
  // runtime/cluster/slot_moves.h says what each refuses. Default:
  // kUnavailable (not a cluster node).
  virtual void export_slot(std::uint16_t slot, Done<std::string> done) {
    (void)slot;
    done(Status::unavailable("this engine is not a cluster node"));
  }
  virtual void import_slot(std::uint16_t slot, std::string records, Done<krl::Value> done) {
    (void)slot;
    (void)records;
    done(Status::unavailable("this engine is not a cluster node"));
  }
  virtual void release_slot(std::uint16_t slot, Done<krl::Value> done) {
    (void)slot;
    done(Status::unavailable("this engine is not a cluster node"));
  }
  virtual void unseal_slot(std::uint16_t slot, Done<krl::Value> done) {
    (void)slot;
    done(Status::unavailable("this engine is not a cluster node"));
  }

  // Moving one pico between engines: the step's answer (JSON text), what
  // each refuses in runtime/cluster/slot_moves.h. POST
  // /api/cluster/picos/<pico>/<step>[?slot=S]. Default: kUnavailable.
  virtual void pico_move_step(PicoMoveStep step, Done<std::string> done) {
    (void)step;
    done(Status::unavailable("this engine is not a cluster node"));
  }

  // The Prometheus text exposition (format 0.0.4) of the engine's metrics,
  // the HTTP layer's replies included. GET /metrics. kUnavailable when the
  // engine keeps none.
  virtual void metrics(Done<std::string> done) {
    done(Status::unavailable("this engine keeps no metrics"));
  }

  // The HTTP layer reports the status of each reply it sends, for the
  // metrics. Any thread; returns at once. Default: ignored.
  virtual void http_replied(int status) { (void)status; }

  // Where a message on a device's fixed MQTT topic goes (a topic of a
  // prototype's mqtt.topics, its placeholder filled with the device's name
  // when the device was made: runtime/records/device_topic_records.h): the
  // channel and the event. kNotFound when no device publishes to `topic`.
  // For the MQTT bridge; it then sends the event as any other (the ECI may
  // be gone since: the event is refused as unknown then). Default: none.
  virtual void device_topic(std::string topic, Done<DeviceRoute> done) {
    done(Status::not_found("no device publishes to " + topic));
  }

  // The MQTT bridge's message sequence checkpoint of session `sender`
  // (channels/mqtt/message_ids.h), kept in the engine's store so that a
  // backup carries it (runtime/records/mqtt_sequence_records.h): the saved
  // value, or kNotFound when none was. Answers at once. Default: kUnavailable.
  virtual void mqtt_sequence(std::string sender, Done<std::uint64_t> done) {
    (void)sender;
    done(Status::unavailable("this engine keeps no MQTT sequences"));
  }

  // Saves it; `done` gets the value once it is durable, or kUnavailable /
  // kInternal when it could not be written. Default: kUnavailable.
  virtual void save_mqtt_sequence(std::string sender, std::uint64_t value,
                                  Done<std::uint64_t> done) {
    (void)sender;
    (void)value;
    done(Status::unavailable("this engine keeps no MQTT sequences"));
  }

  // The MQTT bridge (channels/mqtt/) reports the final outcome of each
  // message it handed on or refused, for the metrics. Any thread; returns at
  // once. Default: ignored.
  virtual void mqtt_handled(Status::Code outcome) { (void)outcome; }
};

}  // namespace spime::api
