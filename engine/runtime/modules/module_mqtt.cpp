// The `mqtt` module (spime's own; the reference has none): publish a message
// to the MQTT broker that `spime serve --mqtt` bridges (channels/mqtt/).
//
//   mqtt:publish(topic, message, retain)   action
//   mqtt:deviceTopics()   this pico's fixed topics, when it is a device made
//                         from a prototype with mqtt.topics or
//                         mqtt.instructions: {publishes: [topic],
//                         instructions: topic or null} (empty when it has
//                         none)
//
// `message` is sent as it is when it is a String, as JSON otherwise;
// `retain` (default false) makes the broker keep it as the topic's retained
// message, which a device gets when it subscribes (a sleeping device, when
// it wakes). Like event:send, the publication waits in the schedule's
// transaction and leaves only once the schedule committed (nothing on a
// rollback); then it is handed to the bridge (Engine::set_mqtt_publisher),
// which publishes it with QoS 1. Best effort beyond that: without a bridge
// it is dropped, and a crash between the commit and the publication loses
// it. Queries cannot publish (read-only).
//
// deviceTopics reads the committed records (records/device_topic_records.h):
// they are written once, by the parent, in the transaction that made the
// pico, so there is nothing of this pico's own pending to overlay.
#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/records/device_topic_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

using krl::BoundArgs;
using krl::EvalContext;
using krl::Value;

namespace {

// MQTT forbids these in a topic one publishes to (MQTT 5, 4.7).
bool publishable_topic(const std::string& t) {
  return !t.empty() && t.size() <= 65535 && t.find_first_of("+#") == std::string::npos &&
         t.find('\0') == std::string::npos;
}

Value publish(EvalContext& ctx, const BoundArgs& a) {
  RuntimeHost& host = RuntimeHost::from(ctx, "mqtt:publish");
  host.throw_if_read_only("mqtt:publish");
  if (!a[0].is_string() || !publishable_topic(a[0].as_string())) {
    throw krl::type_error("mqtt:publish expects a topic without wildcards, not " +
                          krl::to_string(a[0]));
  }
  const Value message = a.has(1) ? a[1] : Value();
  OutgoingEvent out;
  out.mqtt_topic = a[0].as_string();
  out.attrs =
      Value(message.is_string() ? message.as_string() : krl::encode_json(krl::json_clean(message)));
  out.mqtt_retain = a.has(2) && krl::truthy(a[2]);
  out.from_pico_id = host.pico().id();
  host.txn().outgoing.push_back(std::move(out));
  return Value();
}

Value device_topics(EvalContext& ctx, const BoundArgs&) {
  RuntimeHost& host = RuntimeHost::from(ctx, "mqtt:deviceTopics");
  krl::Array publishes;
  Value instructions;
  const std::string prefix = store::keys::pico_topic_prefix(host.pico().id());
  host.pico().store().scan(prefix, [&](std::string_view key, std::string_view value) {
    std::string pico, topic;
    TopicUse use;
    if (!store::keys::parse_pico_topic(key, &pico, &topic) ||
        !decode_topic_use(std::string(value), &use)) {
      return true;  // not a record device_topic_records.h wrote: skipped
    }
    if (use == TopicUse::kInstructions) {
      instructions = Value(std::move(topic));
    } else {
      publishes.emplace_back(std::move(topic));
    }
    return true;
  });
  return Value(krl::Map{{"publishes", Value(std::move(publishes))},
                        {"instructions", std::move(instructions)}});
}

}  // namespace

const krl::Module& mqtt_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{"mqtt",
                             {{"publish", {"topic", "message", "retain"}, publish, K::Action},
                              {"deviceTopics", {}, device_topics}}};
  return m;
}

}  // namespace spime::runtime
