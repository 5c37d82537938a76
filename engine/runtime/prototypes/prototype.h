// Prototype: what a new pico is made of (the ESProto spime design's
// "channels, rulesets and initialization events for a new pico"), resolved:
// its `extends` chain merged, every value validated against the engine's
// own rules (channel_policy.h, attrs_schema.h, the ruleset registry).
//
// A prototype is written in YAML, one per file prototypes/NAME.yaml
// (yaml_reader.h reads it, prototype_validate.h checks it,
// prototype_extends.h merges it over its parent, prototype_catalog.h keeps
// the loaded ones). The wrangler makes a pico from one
// (wrangler:new_child_request with `prototype`), in one transaction.
//
// What each part means when a pico is made from it:
//  * channels: made on the new pico, each tagged with its tags and its name
//    (channel_tags), with its policies and attribute schema;
//  * rulesets: installed on the new pico, after the wrangler's base ones,
//    each with its effective config (effective_config: the prototype's
//    `config` merged with the ruleset's own, the ruleset's keys winning), so
//    its `configure using` reads it;
//  * initialization: raised on the new pico, in order, once its rulesets and
//    channels exist (an error there, `error error` included, fails the whole
//    creation);
//  * subscriptions: the new pico asks to join the sibling collection named
//    `collection` (another child of the same parent), as `subscriber_role`,
//    the collection playing `collection_role`;
//  * protocols: what the device speaks, "http" and/or "mqtt" (default
//    [http], what every device spoke before MQTT). It says how the device's
//    firmware is meant to reach spime (the dashboard and `spime prototype
//    show` show it); it refuses nothing: a channel takes an event from
//    either transport, so tools, tests and the simulator may always post
//    over HTTP. A prototype with mqtt.topics or
//    mqtt.instructions must list mqtt;
//  * mqtt.topics: fixed topics a device of this kind publishes to
//    (topic_pattern.h: "sensors/{device}/heartbeat", {device} its name when
//    made); each lands as event domain:type on the channel named `channel`
//    (one of the prototype's), through the same admission as
//    spime/<eci>/<domain>/<type>.
//  * mqtt.instructions: the fixed topic a device of this kind subscribes to
//    for its instructions (a pattern too: "sensors/{device}/instructions");
//    the device's rulesets find it with mqtt:deviceTopics() and publish
//    there, retained (esproto_device does).
//
// How `extends` merges (prototype_extends.h): maps merge key by key (the
// child's value wins; maps inside maps merge too); protocols, when given,
// replace the parent's; channels merge by name, rulesets by rid, MQTT
// topics by topic and subscriptions by collection; mqtt.instructions, when
// given, replaces the parent's (an entry the child names
// again takes the child's fields over the parent's; new entries come after
// the parent's); the child's initialization events come after the parent's.
//
// Plain values: immutable once in the catalog, safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "engine/krl/value.h"

namespace spime::runtime {

// A place in a prototype file, 1-based (yaml-cpp counts from 0).
struct SourcePos {
  int line = 1;
  int col = 1;
};

// Why a prototype file was refused: "file:line:col: message", the message
// naming the key ("channels[0].event_policy: ...").
struct PrototypeError {
  std::string file;
  SourcePos pos;
  std::string message;

  std::string to_string() const;
};

struct PrototypeChannel {
  std::string name;               // a channel tag ([a-z0-9_-]), unique in the prototype
  std::vector<std::string> tags;  // cleaned as channel tags, as written (without the name)
  krl::Value event_policy;        // {"allow": [{domain, name}], "deny": [...]}, normalised
  krl::Value query_policy;        // {"allow": [{rid, name}], "deny": [...]}, normalised
  krl::Value attrs_schema;        // a JSON Schema (compiled once when checked); null: none
  krl::Value rate_limit;          // {per_second, burst} (channel/rate_limit.h); null: none
};

struct PrototypeRuleset {
  std::string rid;
  std::string url;  // where it was registered from when loaded (file:// for a path)
  krl::Map config;  // its own config (effective_config adds the prototype's)
};

struct PrototypeEvent {
  std::string domain;
  std::string type;
  krl::Map attributes;
};

struct PrototypeSubscription {
  std::string collection;       // the sibling's name (wrangler:name)
  std::string collection_role;  // Tx_role
  std::string subscriber_role;  // Rx_role
};

// A fixed device topic (mqtt.topics[]).
struct PrototypeTopic {
  std::string topic;    // a pattern (topic_pattern.h), unique in the prototype
  std::string channel;  // the name of one of the prototype's channels
  std::string domain;
  std::string type;
};

struct Prototype {
  std::string name;
  std::string description;
  std::string extends;                 // the parent's name; "" for none
  std::vector<std::string> ancestors;  // parent first, then its parent, ...
  krl::Map config;
  std::vector<PrototypeChannel> channels;
  std::vector<PrototypeRuleset> rulesets;
  std::vector<PrototypeEvent> initialization;
  std::vector<PrototypeSubscription> subscriptions;
  std::vector<std::string> protocols{"http"};  // "http", "mqtt"; in the order written
  std::vector<PrototypeTopic> mqtt_topics;
  std::string mqtt_instructions;  // a pattern; "" for none
};

// The tags a channel is made with: its tags, then its name unless among them.
std::vector<std::string> channel_tags(const PrototypeChannel& channel);

// The config ruleset `r` gets: the prototype's config with r's own merged
// over it (merge_maps).
krl::Map effective_config(const Prototype& p, const PrototypeRuleset& r);

// `over` merged into `base`: every key of `over` replaces base's, except
// that two maps under the same key merge the same way. Keys keep base's
// order, new ones follow in over's.
krl::Map merge_maps(const krl::Map& base, const krl::Map& over);

}  // namespace spime::runtime
