// The one owner of what an MQTT message means to spime, and of what the
// bridge publishes back (the contract: README.md, "MQTT devices").
//
//   topic     spime/<eci>/<domain>/<type>     exactly four levels; or a
//             device's fixed topic (a prototype's mqtt.topics, e.g.
//             sensors/<device>/heartbeat), which the engine resolves to ECI,
//             domain and type (EngineApi::device_topic), the payload read
//             the same way
//   payload   the event's attributes, a JSON object as an HTTP POST body
//             (application/json, channels/attributes.h: same parser, same
//             limits); an empty payload is {}
//   reply     on the message's MQTT 5 Response Topic, if it has one: the
//             HTTP event-wait answer's body, {"eid": "...", "directives":
//             [...]}, or the HTTP error body {"error": "..."} of a refusal
//             (channels/http_response.h writes both, so they are the same
//             bytes HTTP would answer)
//
// ECI, domain and type go to the engine exactly as they stand in the topic,
// as the HTTP routes hand over URL segments: validating them is the engine's
// job (unknown ECI, policy, schema), so admission is the same code for both.
// Unlike HTTP, no `_headers` attribute is added (an MQTT message has none).
//
// Thread-safety: free functions on values.
#pragma once

#include <string>
#include <string_view>

#include "engine/api/engine_api.h"

namespace spime::mqtt {

// The subscription that receives every event topic.
inline constexpr const char* kEventTopicFilter = "spime/+/+/+";

// Reads `topic` and `payload` into *out (eci, domain, name, attrs). A topic
// that is not spime/<eci>/<domain>/<type>, or a payload that is not a JSON
// object: kInvalidArgument, as HTTP answers a malformed body (400); for a
// bad payload, eci, domain and name are set all the same (for log lines).
api::Status event_from_message(std::string_view topic, std::string_view payload,
                               api::EventRequest* out);

// A payload as the event's attributes (above); kInvalidArgument otherwise.
api::Status attrs_from_payload(std::string_view payload, krl::Value* attrs);

// Whether `topic` is under spime/ (the event scheme; anything else the
// bridge receives is a device's fixed topic).
bool is_event_topic(std::string_view topic);

// The reply to publish for an event that committed, or for a refusal.
std::string reply_body(const api::EventResult& result);
std::string reply_body(const api::Status& refusal);

}  // namespace spime::mqtt
