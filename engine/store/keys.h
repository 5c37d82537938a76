// Every RocksDB key family the engine uses, in one place.
//
// A key is a family prefix (one ASCII letter and '/') followed by fields. Multi-field keys
// separate their fields with kSep (0x1F, ASCII "unit separator"). No id the engine stores can
// contain that byte: ECIs and pico ids are URL-safe base64ish ([A-Za-z0-9_-]), rids are dotted
// names, entity/app variable and rule names are KRL identifiers, schedule ids are generated.
// Because kSep sorts below every printable byte, "a" and its fields sort before "a.b" and its
// fields: a prefix scan over "pico<sep>" never picks up a longer pico id.
//
// Builders throw std::invalid_argument when a separated field contains kSep (it would make keys
// ambiguous); callers validate untrusted ids before building keys. A field that ends a key and is
// never followed by another (the url of rid_by_url, the name of a counter) may hold any byte.
//
// Family table (value formats are chosen by the runtime; JSON unless noted):
//   m/schema_version              decimal schema version (see Store::kSchemaVersion)
//   m/root_pico                   the root pico's id
//   m/root_owner_eci, m/root_ui_eci
//                                 the root's owner and engine-UI channels, so a start finds
//                                 them without reading every channel of the root (one per child)
//   m/counter/<name>              an engine counter (runtime-defined encoding; the outbox's
//                                 reserved event ids: runtime/outbound/outbox_records.h)
//   m/engine_id                   this engine's identity towards other engines (an id of
//                                 runtime/records/ids.h, made once;
//                                 runtime/outbound/outbox_records.h)
//   m/mqtt_sequence/<sender>      the MQTT bridge's message sequence checkpoint of one
//                                 session (<sender>: "mqtt-" and 16 hex digits; decimal
//                                 value; channels/mqtt/message_ids.h,
//                                 runtime/records/mqtt_sequence_records.h): in the store, so
//                                 a backup carries it (it was <data>/<sender>.seq before)
//   p/<pico>                      pico record: parent, created
//   c/<eci>                       channel: owning pico id, tags, policies
//   h/<pico><sep><eci>            channel index per pico (value empty)
//   k/<pico><sep><child eci>      one child of a pico (value: its creation order, decimal): a
//                                 child is its own key, so adding or removing one costs the
//                                 same with 10 or 100,000 siblings
//   r/<rid>                       ruleset registry entry: url, source, hash
//   u/<url>                       rid registered from url (value: the rid)
//   i/<pico><sep><rid>            installation: config, install order
//   e/<pico><sep><rid><sep><name> entity variable: its JSON, or, for a large map stored by key,
//                                 a marker (runtime/records/entity_records.h)
//   f/<pico><sep><rid><sep><name><sep><key>
//                                 one entry of an entity variable stored by key: the map's key
//                                 <key> (any bytes) and its value with its insertion order
//                                 (runtime/records/entity_records.h); so writing one entry of a
//                                 map of 10,000 costs what writing one of 10 does
//   a/<rid><sep><name>            app variable
//   w/<pico><sep><rid><sep><rule> select-when state of one rule
//   s/<id>                        schedule record of schema 1 (upgraded away: the runtime keeps
//                                 scheduled events in entity variables now)
//   t/<due><sep><id>              scheduled event by due time; <due> is 20 zero-padded decimal
//                                 digits of milliseconds since the epoch, so keys sort by time
//                                 (value: its owner, runtime-defined)
//   o/<host><sep><eci><sep><seq>  an event waiting in the outbox for another engine: <host> as
//                                 event:send named it (trailing '/' trimmed), <eci> the target
//                                 channel there, <seq> 20 zero-padded decimal digits of the
//                                 outbox's own sequence number; so a scan visits one destination
//                                 after another, each in sending order (value: the event,
//                                 runtime/outbound/outbox_records.h)
//   d/<pico><sep><eci><sep><sender>
//                                 the ids of the last events engine <sender> (its m/engine_id)
//                                 delivered through its outbox to channel <eci> of <pico>, so a
//                                 repeat is answered without running again (value:
//                                 runtime/records/delivery_records.h); erased with the pico
//   l/<pico><sep><rid><sep><log><sep><seq>
//                                 one entry of a pico's append-only log <log>, kept by ruleset
//                                 <rid> (KRL's logs: module); <seq> is 20 zero-padded decimal
//                                 digits of the entry's number in that log (0, 1, 2, ... with no
//                                 gaps: the log's head and next number live in an entity
//                                 variable of <rid>), so entries sort in append order, one is
//                                 found by a point read and a page by one range read (value:
//                                 runtime/logs/log_records.h)
//   x/<pico><sep><rid><sep><log><sep><key>
//                                 the number of the entry appended to that log with unique key
//                                 <key> (decimal); erased with its entry
//   g/<pico><sep><seq>            one episode of a pico's own log (what one event did: received,
//                                 rules selected and fired, klog/log lines, directives, errors;
//                                 runtime/logs/episode_log.h); <seq> is 20 zero-padded decimal
//                                 digits of the pico's episode number (no gaps), so a pico's
//                                 episodes sort in the order they happened and a stream resumes
//                                 from one by a range read
//   n/<pico><sep>                 the state of that log: its head and next number (value:
//                                 runtime/logs/log_records.h's meta, as JSON), written in the
//                                 batch of each episode
//   q/<topic>                     the device that publishes to MQTT topic <topic> (any bytes,
//                                 ends the key): made from a prototype's mqtt.topics when the
//                                 device was, in its creation's batch (value:
//                                 runtime/records/device_topic_records.h); erased with the
//                                 device when it still names one of its channels
//   j/<pico><sep><topic>          a fixed MQTT topic of that pico, the device: one it publishes
//                                 to (whose q/<topic> it had when made) or the one it listens
//                                 on for instructions (value: device_topic_records.h's use)
//   z/<slot><sep><pico>           a pico of cluster slot <slot> (its 3 hex digits,
//                                 engine/cluster/slots.h; value empty): written with the pico's
//                                 record when the record names a slot and erased with it
//                                 (runtime/records/pico_records.h), so a slot's picos are one
//                                 range read for a move (schema 3 built it for older records)
//   v/<seq>                       an event:send / ctx:event to a pico of this engine, from its
//                                 sender's commit until its receiver's (<seq>: 20 zero-padded
//                                 decimal digits, so keys sort in sending order; value:
//                                 runtime/records/local_delivery_records.h)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spime::store::keys {

inline constexpr char kSep = '\x1f';

// ---- meta ---------------------------------------------------------------------------------
std::string schema_version();
std::string root_pico();
std::string root_owner_eci();
std::string root_ui_eci();
std::string counter(std::string_view name);
std::string engine_id();
// <sender> ends the key and may hold any byte.
std::string mqtt_sequence(std::string_view sender);

// ---- picos --------------------------------------------------------------------------------
std::string pico(std::string_view pico_id);
std::string pico_prefix();  // all picos
bool parse_pico(std::string_view key, std::string* pico_id);

// ---- channels -----------------------------------------------------------------------------
std::string channel(std::string_view eci);
std::string channel_prefix();  // all channels
bool parse_channel(std::string_view key, std::string* eci);

std::string pico_channel(std::string_view pico_id, std::string_view eci);
std::string pico_channel_prefix(std::string_view pico_id);  // all channels of one pico
bool parse_pico_channel(std::string_view key, std::string* pico_id, std::string* eci);

// ---- children ------------------------------------------------------------------------------
std::string child(std::string_view pico_id, std::string_view child_eci);
std::string child_prefix(std::string_view pico_id);  // all children of one pico
bool parse_child(std::string_view key, std::string* pico_id, std::string* child_eci);

// ---- slots --------------------------------------------------------------------------------
// <slot>: a cluster slot's 3 hex digits (cluster::slot_text).
std::string slot_member(std::string_view slot, std::string_view pico_id);
std::string slot_member_prefix(std::string_view slot);  // all picos of one slot
bool parse_slot_member(std::string_view key, std::string* slot, std::string* pico_id);

// Every prefix whose keys belong to one pico alone (channel index, children, installations,
// entity variables, select-when states, accepted deliveries, logs and their key index, the
// episode log and its state, its MQTT topics): erasing
// them and p/<pico> and the pico's c/<eci> records removes the pico.
std::vector<std::string> pico_scoped_prefixes(std::string_view pico_id);

// ---- ruleset registry ---------------------------------------------------------------------
std::string ruleset(std::string_view rid);
std::string ruleset_prefix();  // all registered rulesets
bool parse_ruleset(std::string_view key, std::string* rid);

std::string rid_by_url(std::string_view url);
std::string rid_by_url_prefix();  // the whole url index
bool parse_rid_by_url(std::string_view key, std::string* url);

// ---- installations ------------------------------------------------------------------------
std::string installation(std::string_view pico_id, std::string_view rid);
std::string installation_prefix(std::string_view pico_id);  // all rulesets of one pico
bool parse_installation(std::string_view key, std::string* pico_id, std::string* rid);

// ---- variables ----------------------------------------------------------------------------
std::string entvar(std::string_view pico_id, std::string_view rid, std::string_view name);
std::string entvar_prefix(std::string_view pico_id);                        // one pico
std::string entvar_prefix(std::string_view pico_id, std::string_view rid);  // one pico + rid
bool parse_entvar(std::string_view key, std::string* pico_id, std::string* rid, std::string* name);

// One entry of an entity variable stored by key; <key> ends the key and may hold any byte.
std::string entvar_entry(std::string_view pico_id, std::string_view rid, std::string_view name,
                         std::string_view key);
std::string entvar_entry_prefix(std::string_view pico_id);                        // one pico
std::string entvar_entry_prefix(std::string_view pico_id, std::string_view rid);  // pico + rid
std::string entvar_entry_prefix(std::string_view pico_id, std::string_view rid,
                                std::string_view name);  // one variable

std::string appvar(std::string_view rid, std::string_view name);
std::string appvar_prefix(std::string_view rid);  // all app vars of one ruleset
bool parse_appvar(std::string_view key, std::string* rid, std::string* name);

// ---- select-when state --------------------------------------------------------------------
std::string rule_state(std::string_view pico_id, std::string_view rid, std::string_view rule);
std::string rule_state_prefix(std::string_view pico_id);                        // one pico
std::string rule_state_prefix(std::string_view pico_id, std::string_view rid);  // pico + rid
bool parse_rule_state(std::string_view key, std::string* pico_id, std::string* rid,
                      std::string* rule);

// ---- schedules ----------------------------------------------------------------------------
std::string schedule(std::string_view id);
std::string schedule_prefix();  // all schedules by id
bool parse_schedule(std::string_view key, std::string* id);

std::string schedule_due(uint64_t due_ms, std::string_view id);
std::string schedule_due_prefix();  // all schedules, earliest first
bool parse_schedule_due(std::string_view key, uint64_t* due_ms, std::string* id);

// ---- outbox (events for other engines) -----------------------------------------------------
std::string outbox(std::string_view host, std::string_view eci, uint64_t seq);
std::string outbox_prefix();  // every waiting event, destination by destination
bool parse_outbox(std::string_view key, std::string* host, std::string* eci, uint64_t* seq);

// ---- events for picos of this engine, until their receiver commits -----------------------
std::string local_delivery(uint64_t seq);
std::string local_delivery_prefix();  // every waiting event, in sending order
bool parse_local_delivery(std::string_view key, uint64_t* seq);

// ---- deliveries accepted from other engines' outboxes --------------------------------------
std::string delivered(std::string_view pico_id, std::string_view eci, std::string_view sender);
std::string delivered_prefix(std::string_view pico_id);  // one pico
bool parse_delivered(std::string_view key, std::string* pico_id, std::string* eci,
                     std::string* sender);

// ---- append-only logs (runtime/logs/) ------------------------------------------------------
std::string log_entry(std::string_view pico_id, std::string_view rid, std::string_view log,
                      uint64_t seq);
std::string log_prefix(std::string_view pico_id);                        // one pico
std::string log_prefix(std::string_view pico_id, std::string_view rid);  // pico + rid
bool parse_log_entry(std::string_view key, std::string* pico_id, std::string* rid, std::string* log,
                     uint64_t* seq);

std::string log_key(std::string_view pico_id, std::string_view rid, std::string_view log,
                    std::string_view key);
std::string log_key_prefix(std::string_view pico_id);                        // one pico
std::string log_key_prefix(std::string_view pico_id, std::string_view rid);  // pico + rid

// ---- a pico's episode log (runtime/logs/episode_log.h) ---------------------------------------
std::string episode(std::string_view pico_id, uint64_t seq);
std::string episode_prefix(std::string_view pico_id);  // one pico
bool parse_episode(std::string_view key, std::string* pico_id, uint64_t* seq);
std::string episode_state(std::string_view pico_id);

// ---- MQTT device topics (runtime/records/device_topic_records.h) ---------------------------
std::string device_topic(std::string_view topic);
// <topic> ends the key and may hold any byte.
std::string pico_topic(std::string_view pico_id, std::string_view topic);
std::string pico_topic_prefix(std::string_view pico_id);  // one pico
bool parse_pico_topic(std::string_view key, std::string* pico_id, std::string* topic);

// Whether `key` is of a family a move of picos to another engine carries
// (runtime/cluster/slot_records.h): a pico's record, its channels and what
// pico_scoped_prefixes() lists, MQTT device topics (q/), schedules' due
// keys (t/) and a pico's entry in its slot (z/). Meta, rulesets, app variables, the outbox and
// local deliveries stay with their engine.
bool movable_key(std::string_view key);

// The first key of the smallest range holding every key that starts with prefix, past its end:
// scanning [prefix, prefix_end(prefix)) visits exactly the keys with that prefix. Empty when no
// such bound exists (prefix is empty or all 0xFF).
std::string prefix_end(std::string_view prefix);

}  // namespace spime::store::keys
