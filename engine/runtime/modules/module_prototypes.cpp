// The `prototypes` module (ours; the reference has no prototypes): the
// engine's prototypes (prototypes/prototype_catalog.h) as KRL values
// (prototypes/prototype_value.h), for the wrangler to make a pico from one.
//   prototypes:get(name)  the resolved prototype; KrlError "unknown prototype
//                         NAME" when there is none
//   prototypes:names()    every prototype's name, sorted
//   prototypes:bindTopics(name, device, channels, pico)   action: records
//                         the MQTT topics of prototype `name` (mqtt.topics,
//                         mqtt.instructions) for the device named `device`,
//                         pico id `pico`, whose channels by name are
//                         `channels` (name -> ECI), in this schedule's batch
//                         (records/device_topic_records.h); answers them as
//                         {publishes: [topic], instructions: topic or null}.
//                         KrlError when the name cannot stand in a topic
//                         (topic_pattern.h), a channel or the pico id is
//                         missing.
// Read-only; offline (`krl run`) the catalog is empty.
#include "engine/krl/error.h"
#include "engine/runtime/modules/runtime_modules.h"
#include "engine/runtime/pico/runtime_host.h"
#include "engine/runtime/prototypes/prototype_catalog.h"
#include "engine/runtime/prototypes/topic_pattern.h"
#include "engine/runtime/records/device_topic_records.h"
#include "engine/runtime/records/ids.h"
#include "engine/store/keys.h"

namespace spime::runtime {

using krl::BoundArgs;
using krl::EvalContext;
using krl::Value;

namespace {

const PrototypeCatalog& catalog(EvalContext& ctx, const char* what) {
  return RuntimeHost::from(ctx, what).services().prototypes();
}

Value get(EvalContext& ctx, const BoundArgs& a) {
  const PrototypeCatalog& c = catalog(ctx, "prototypes:get");
  const std::string name = krl::to_string(a[0]);
  std::optional<Value> v = a[0].is_string() ? c.value(name) : std::nullopt;
  if (!v) throw krl::KrlError("unknown prototype " + name);
  return std::move(*v);
}

Value names(EvalContext& ctx, const BoundArgs&) {
  krl::Array out;
  for (const std::string& n : catalog(ctx, "prototypes:names").names()) out.emplace_back(n);
  return Value(std::move(out));
}

Value bind_topics(EvalContext& ctx, const BoundArgs& a) {
  const char* what = "prototypes:bindTopics";
  RuntimeHost& host = RuntimeHost::from(ctx, what);
  host.throw_if_read_only(what);
  const std::string name = krl::to_string(a[0]);
  auto p = a[0].is_string() ? host.services().prototypes().get(name) : nullptr;
  if (!p) throw krl::KrlError("unknown prototype " + name);
  krl::Array publishes;
  Value instructions;
  auto answer = [&] {
    return Value(krl::Map{{"publishes", Value(std::move(publishes))},
                          {"instructions", std::move(instructions)}});
  };
  if (p->mqtt_topics.empty() && p->mqtt_instructions.empty()) return answer();
  const std::string device = a.has(1) && a[1].is_string() ? a[1].as_string() : "";
  if (!device_name_fits(device)) {
    throw krl::KrlError(std::string(what) + ": the device name \"" + device +
                        "\" cannot stand in an MQTT topic (1.." + std::to_string(kMaxDeviceBytes) +
                        " bytes, no '/', '+', '#')");
  }
  const Value channels = a.has(2) ? a[2] : Value();
  const std::string pico = a.has(3) && a[3].is_string() ? a[3].as_string() : "";
  if (!is_valid_id(pico)) throw krl::KrlError(std::string(what) + ": no pico id for " + device);
  const std::string& rid = host.current_rid();
  for (const PrototypeTopic& t : p->mqtt_topics) {
    const Value* eci = channels.is_map() ? channels.as_map().find(t.channel) : nullptr;
    if (!eci || !eci->is_string()) {
      throw krl::KrlError(std::string(what) + ": no ECI for channel " + t.channel);
    }
    const std::string topic = concrete_topic(t.topic, device);
    host.put_raw(rid, store::keys::device_topic(topic),
                 encode_device_topic(DeviceTopic{eci->as_string(), t.domain, t.type}));
    host.put_raw(rid, store::keys::pico_topic(pico, topic), encode_topic_use(TopicUse::kPublishes));
    publishes.emplace_back(topic);
  }
  if (!p->mqtt_instructions.empty()) {
    const std::string topic = concrete_topic(p->mqtt_instructions, device);
    host.put_raw(rid, store::keys::pico_topic(pico, topic),
                 encode_topic_use(TopicUse::kInstructions));
    instructions = Value(topic);
  }
  return answer();
}

}  // namespace

const krl::Module& prototypes_module() {
  using K = krl::Function::Kind;
  static const krl::Module m{
      "prototypes",
      {
          {"get", {"name"}, get},
          {"names", {}, names},
          {"bindTopics", {"name", "device", "channels", "pico"}, bind_topics, K::Action},
      }};
  return m;
}

}  // namespace spime::runtime
