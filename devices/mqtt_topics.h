// What the simulator says over MQTT, and how it reads what comes back
// (the MQTT contract of issue 20; devices/README.md, "Over MQTT"):
//   - the broker's url: `mqtt://HOST[:PORT]` (PORT 1883 by default); no
//     mqtts, no user info, no path: the simulator is a loopback load tool;
//   - a heartbeat goes to `spime/<eci>/wovyn/heartbeat`, its payload the
//     event's attributes as JSON (the same bytes as the HTTP POST body);
//   - each simulator connection has its own reply topic,
//     `spime-sim/<run>/<connection>/reply`, sent as the PUBLISH's Response
//     Topic; the Correlation Data is the request's number in decimal;
//   - a reply is `{"eid": "...", "directives": [...]}` (the event
//     committed: as an HTTP 2xx answer) or `{"error": "..."}` (refused:
//     as a 4xx); anything else is not a reply the contract knows.
// One owner: the simulator's topics and replies are built and read here
// alone (the server's side is channels/mqtt/).
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spime::devices {

constexpr unsigned short kMqttDefaultPort = 1883;

struct MqttUrl {
  std::string host;  // a name or an address (an IPv6 one without brackets)
  unsigned short port = kMqttDefaultPort;
  std::string to_string() const;  // "mqtt://host:port"
};

// Reads `mqtt://HOST[:PORT]` (a trailing '/' allowed); false with a
// one-line reason otherwise (mqtts:// among them: not for the simulator).
bool parse_mqtt_url(const std::string& text, MqttUrl* out, std::string* error);

// True when `level` may stand as one level of a topic name: not empty, and
// no '/', '+', '#' or NUL (an ECI is letters and digits: always true).
bool topic_level_ok(std::string_view level);

// "spime/<eci>/<domain>/<type>"; "" when a part cannot be a topic level.
std::string event_topic(std::string_view eci, std::string_view domain, std::string_view type);
// The heartbeat's: event_topic(eci, "wovyn", "heartbeat").
std::string heartbeat_topic(std::string_view eci);

// "spime-sim/<run>/<connection>/reply".
std::string reply_topic(std::string_view run, int connection);

// A run's name for topics and client ids: 16 hex digits from the process id
// and the clock, so two simulators on one broker do not share reply topics.
std::string new_run_id();

// The Correlation Data of request `n`: its decimal digits.
std::string correlation_of(std::uint64_t n);
// Reads it back; false unless 1..20 decimal digits that fit.
bool parse_correlation(std::string_view data, std::uint64_t* n);

enum class ReplyKind {
  kAnswer,   // {"eid": string, "directives": [...]}: the event committed
  kError,    // {"error": string}: refused
  kUnknown,  // not JSON, or neither shape
};

struct MqttReply {
  ReplyKind kind = ReplyKind::kUnknown;
  std::string error;  // kError: its text; kUnknown: why it is not a reply
};

// What a reply payload is (its directives are read by the load loop, as
// those of an HTTP answer).
MqttReply parse_reply(std::string_view payload);

}  // namespace spime::devices
