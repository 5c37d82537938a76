// The resolved prototype as a KRL value. See prototype_value.h.
#include "engine/runtime/prototypes/prototype_value.h"

#include "engine/runtime/prototypes/topic_pattern.h"

namespace spime::runtime {

using krl::Array;
using krl::Map;
using krl::Value;

namespace {

Value strings(const std::vector<std::string>& v) {
  Array a;
  for (const std::string& s : v) a.emplace_back(s);
  return Value(std::move(a));
}

Value channel_value(const PrototypeChannel& c) {
  Map m{{"name", Value(c.name)},
        {"tags", strings(channel_tags(c))},
        {"event_policy", c.event_policy},
        {"query_policy", c.query_policy}};
  if (!c.attrs_schema.is_null()) m.set("attrs_schema", c.attrs_schema);
  if (!c.rate_limit.is_null()) m.set("rate_limit", c.rate_limit);
  return Value(std::move(m));
}

}  // namespace

Value prototype_value(const Prototype& p) {
  Array channels, rulesets, initialization, subscriptions;
  for (const PrototypeChannel& c : p.channels) channels.push_back(channel_value(c));
  for (const PrototypeRuleset& r : p.rulesets) {
    rulesets.push_back(Value(Map{
        {"rid", Value(r.rid)}, {"url", Value(r.url)}, {"config", Value(effective_config(p, r))}}));
  }
  for (const PrototypeEvent& e : p.initialization) {
    initialization.push_back(Value(Map{{"domain", Value(e.domain)},
                                       {"type", Value(e.type)},
                                       {"attributes", Value(e.attributes)}}));
  }
  for (const PrototypeSubscription& s : p.subscriptions) {
    subscriptions.push_back(Value(Map{{"collection", Value(s.collection)},
                                      {"collection_role", Value(s.collection_role)},
                                      {"subscriber_role", Value(s.subscriber_role)}}));
  }
  Array topics;
  for (const PrototypeTopic& t : p.mqtt_topics) {
    topics.push_back(Value(Map{{"topic", Value(t.topic)},
                               {"filter", Value(topic_filter(t.topic))},
                               {"channel", Value(t.channel)},
                               {"domain", Value(t.domain)},
                               {"type", Value(t.type)}}));
  }
  return Value(Map{
      {"name", Value(p.name)},
      {"description", Value(p.description)},
      {"extends", p.extends.empty() ? Value() : Value(p.extends)},
      {"config", Value(p.config)},
      {"channels", Value(std::move(channels))},
      {"rulesets", Value(std::move(rulesets))},
      {"initialization", Value(std::move(initialization))},
      {"subscriptions", Value(std::move(subscriptions))},
      {"protocols", strings(p.protocols)},
      {"mqtt", Value(Map{{"topics", Value(std::move(topics))},
                         {"instructions",
                          p.mqtt_instructions.empty() ? Value() : Value(p.mqtt_instructions)}})}});
}

}  // namespace spime::runtime
