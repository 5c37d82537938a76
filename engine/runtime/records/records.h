// The JSON records the runtime keeps in the store, one per key family of
// engine/store/keys.h. Every record is a JSON object written with
// krl::encode_json and read with krl::parse_json; unknown fields are ignored
// so later versions may add fields.
//
//   p/<pico>          {"parent": <ECI or null>, "created": <ms>, "slot": "3a7"}
//                     `slot` (docs/cluster.md): the cluster slot its ECIs carry;
//                     absent for picos made before slots (and the root), whose
//                     ECIs carry none.
//                     As the reference: `parent` is the ECI (a channel on the parent
//                     pico) this pico uses to reach its parent. (Schema 1 also kept
//                     "children" here; pico_records.h upgrades that to k/ keys.)
//   k/<pico><sep><child ECI>  the child's creation order, decimal text (not JSON):
//                     each child is the ECI of a channel on that child, owned by
//                     this pico's family link.
//   c/<eci>           {"pico": <pico id>, "tags": [<tag>...],
//                      "eventPolicy": {"allow":[{"domain","name"}..],"deny":[..]},
//                      "queryPolicy": {"allow":[{"rid","name"}..],"deny":[..]},
//                      "familyChannelPicoID": <pico id or null>, "order": <sequence>,
//                      "attrsSchema": <JSON Schema of accepted event attributes, absent when none>,
//                      "rateLimit": {"per_second", "burst"} (channel/rate_limit.h), absent when
//                      none}
//   h/<pico><sep><eci> ""  (index of a pico's channels)
//   r/<rid>           {"url": <url>, "source": <KRL text>, "hash": <hex digest>}
//   u/<url>           the rid, as plain text (not JSON)
//   i/<pico><sep><rid> {"url": <url>, "config": {..}, "order": <install sequence>}
//   e/<pico><sep><rid><sep><name>  the entity value, encode_json
//   w/<pico><sep><rid><sep><rule>  select-when state (SelectWhen::encode_record)
//
// Parsing is strict about types of known fields: a record that does not
// decode is reported (false + message), never half-applied.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cluster/slots.h"
#include "engine/krl/value.h"
#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/channel/rate_limit.h"

namespace spime::runtime {

class AttrsSchema;

struct PicoRecord {
  std::optional<std::string> parent;
  std::int64_t created_ms = 0;
  // Above the order of every channel the pico has had, so a new channel's
  // order is known without reading them all; absent in records written
  // before it was kept (then the channels tell).
  std::optional<std::int64_t> next_channel_order;
  // The same for the child links (their creation order).
  std::optional<std::int64_t> next_child_order;
  // The slot every ECI minted for it carries (ids.h new_eci); nullopt: none.
  std::optional<cluster::Slot> slot;
  // Read from a schema-1 record only (children lived here); never written.
  std::vector<std::string> legacy_children;
};

struct ChannelRecord {
  std::string eci;  // the key, not stored in the value
  std::string pico_id;
  std::vector<std::string> tags;
  EventPolicy event_policy;
  QueryPolicy query_policy;
  std::optional<std::string> family_pico_id;  // parent/child link channels
  std::int64_t order = 0;
  krl::Value attrs_schema;  // null: no schema (any attributes)
  // Events a second outside senders may send through it (rate_limiter.h);
  // nullopt: the server's default.
  std::optional<ChannelRateLimit> rate_limit;
  // attrs_schema compiled (in memory only; set by whoever builds the record:
  // pico_records::load_channel, ctx:newChannel).
  std::shared_ptr<const AttrsSchema> schema;
};

struct RulesetRecord {
  std::string url;
  std::string source;
  std::string hash;
  std::int64_t flushed_ms = 0;  // when registered; 0 in records written before it was kept
};

struct InstallRecord {
  std::string url;
  krl::Map config;
  std::int64_t order = 0;
};

std::string encode_record(const PicoRecord& r);
std::string encode_record(const ChannelRecord& r);
std::string encode_record(const RulesetRecord& r);
std::string encode_record(const InstallRecord& r);

bool decode_record(const std::string& json, PicoRecord* out, std::string* error);
bool decode_record(const std::string& json, ChannelRecord* out, std::string* error);
bool decode_record(const std::string& json, RulesetRecord* out, std::string* error);
bool decode_record(const std::string& json, InstallRecord* out, std::string* error);

// A channel as KRL sees it (ctx:channels, ctx:newChannel), as the reference:
// {"id", "tags", "eventPolicy", "queryPolicy", "familyChannelPicoID"} (the
// last null for a channel that is not a family one), then "attrsSchema"
// and "rateLimit" (ours) when the channel has them.
krl::Value channel_to_value(const ChannelRecord& c);

}  // namespace spime::runtime
