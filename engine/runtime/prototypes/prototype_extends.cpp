// Merging a prototype over its parent. See prototype_extends.h.
#include "engine/runtime/prototypes/prototype_extends.h"

#include <algorithm>
#include <map>
#include <optional>

#include "engine/runtime/channel/channel_policy.h"

namespace spime::runtime {

namespace {

krl::Value nothing_allowed() {
  return krl::Value(
      krl::Map{{"allow", krl::Value(krl::Array{})}, {"deny", krl::Value(krl::Array{})}});
}

template <class T, class Key>
T* find_by(std::vector<T>& items, const Key& key) {
  auto it = std::find_if(items.begin(), items.end(), key);
  return it == items.end() ? nullptr : &*it;
}

void merge_channel(Prototype* p, const ChannelDraft& c) {
  PrototypeChannel* to =
      find_by(p->channels, [&](const PrototypeChannel& x) { return x.name == c.name.value; });
  if (!to) {
    PrototypeChannel fresh;
    fresh.name = c.name.value;
    fresh.event_policy = nothing_allowed();
    fresh.query_policy = nothing_allowed();
    p->channels.push_back(std::move(fresh));
    to = &p->channels.back();
  }
  if (c.tags) to->tags = c.tags->value;
  if (c.event_policy) to->event_policy = c.event_policy->value;
  if (c.query_policy) to->query_policy = c.query_policy->value;
  if (c.attrs_schema) to->attrs_schema = c.attrs_schema->value;
  if (c.rate_limit) to->rate_limit = c.rate_limit->value;
}

void merge_ruleset(Prototype* p, const RulesetDraft& r) {
  PrototypeRuleset* to =
      find_by(p->rulesets, [&](const PrototypeRuleset& x) { return x.rid == r.rid->value; });
  if (!to) {
    p->rulesets.push_back(PrototypeRuleset{r.rid->value, r.url->value, {}});
    to = &p->rulesets.back();
  }
  to->url = r.url->value;
  if (r.config) to->config = merge_maps(to->config, r.config->value);
}

void merge_subscription(Prototype* p, const PrototypeSubscription& s) {
  PrototypeSubscription* to = find_by(p->subscriptions, [&](const PrototypeSubscription& x) {
    return x.collection == s.collection;
  });
  if (to) {
    *to = s;
  } else {
    p->subscriptions.push_back(s);
  }
}

void merge_topic(Prototype* p, const TopicDraft& t) {
  PrototypeTopic* to =
      find_by(p->mqtt_topics, [&](const PrototypeTopic& x) { return x.topic == t.value.topic; });
  if (to) {
    *to = t.value;
  } else {
    p->mqtt_topics.push_back(t.value);
  }
}

// What only the merged prototype can tell about d's MQTT part: its topics'
// channels exist and take their events, and protocols list mqtt when there
// are topics. An error, or nullopt.
std::optional<PrototypeError> check_mqtt(const Prototype& p, const PrototypeDraft& d) {
  for (std::size_t i = 0; i < d.mqtt_topics.size(); ++i) {
    const TopicDraft& t = d.mqtt_topics[i];
    const std::string path = "mqtt.topics[" + std::to_string(i) + "]";
    auto c = std::find_if(p.channels.begin(), p.channels.end(),
                          [&](const PrototypeChannel& x) { return x.name == t.channel.value; });
    if (c == p.channels.end()) {
      return d.error(t.channel.pos,
                     path + ".channel: the prototype has no channel \"" + t.channel.value + "\"");
    }
    EventPolicy policy;
    std::string why;
    if (parse_event_policy(c->event_policy, &policy, &why)) {
      if (auto refused = check_event(policy, t.value.domain, t.value.type)) {
        return d.error(t.pos, path + ": channel " + c->name + " refuses " + t.value.domain + ":" +
                                  t.value.type + " (" + *refused + ")");
      }
    }
  }
  // The broker would hand the device's own heartbeats back to it as instructions.
  if (d.mqtt_instructions) {
    for (const PrototypeTopic& t : p.mqtt_topics) {
      if (t.topic == p.mqtt_instructions) {
        return d.error(d.mqtt_instructions->pos,
                       "mqtt.instructions: \"" + t.topic + "\" is also one of mqtt.topics");
      }
    }
  }
  const bool mqtt = std::find(p.protocols.begin(), p.protocols.end(), "mqtt") != p.protocols.end();
  if ((!p.mqtt_topics.empty() || !p.mqtt_instructions.empty()) && !mqtt) {
    const SourcePos pos = d.protocols ? d.protocols->pos : d.mqtt.value_or(SourcePos{});
    return d.error(pos,
                   "protocols: a prototype with mqtt.topics or mqtt.instructions must list mqtt");
  }
  return std::nullopt;
}

// Resolves drafts depth first, remembering what failed.
class Resolver {
 public:
  Resolver(const std::vector<PrototypeDraft>& drafts, const PrototypeLookup& loaded)
      : loaded_(loaded) {
    for (const PrototypeDraft& d : drafts) by_name_[d.name.value] = &d;
  }

  // The resolved prototype, or null when it failed (failed_ says why).
  std::shared_ptr<const Prototype> visit(const std::string& name) {
    if (auto it = done_.find(name); it != done_.end()) return it->second;
    if (failed_.count(name)) return nullptr;
    if (auto on = std::find(path_.begin(), path_.end(), name); on != path_.end()) {
      cycle(std::vector<std::string>(on, path_.end()));
      return nullptr;
    }
    const PrototypeDraft& d = *by_name_.at(name);
    std::shared_ptr<const Prototype> parent;
    if (d.extends) {
      const std::string& parent_name = d.extends->value;
      if (by_name_.count(parent_name)) {
        path_.push_back(name);
        parent = visit(parent_name);
        path_.pop_back();
        if (failed_.count(name)) return nullptr;  // a member of a cycle
        if (!parent) return refuse(d, "extends: prototype \"" + parent_name + "\" did not load");
      } else if ((parent = loaded_ ? loaded_(parent_name) : nullptr)) {
        const auto& up = parent->ancestors;
        if (auto back = std::find(up.begin(), up.end(), name); back != up.end()) {
          std::string chain = name + " -> " + parent_name;
          for (auto it = up.begin(); it != back + 1; ++it) chain += " -> " + *it;
          return refuse(d, "extends: a cycle: " + chain);
        }
      } else {
        return refuse(d, "extends: unknown prototype \"" + parent_name + "\"");
      }
      if (parent->ancestors.size() + 1 > kMaxExtendsDepth) {
        return refuse(
            d, "extends: a chain of more than " + std::to_string(kMaxExtendsDepth) + " prototypes");
      }
    }
    auto p = std::make_shared<const Prototype>(apply_layer(parent.get(), d));
    if (auto e = check_mqtt(*p, d)) {
      failed_.emplace(name, std::move(*e));
      return nullptr;
    }
    done_[name] = p;
    return p;
  }

  const PrototypeError* error(const std::string& name) const {
    auto it = failed_.find(name);
    return it == failed_.end() ? nullptr : &it->second;
  }

 private:
  std::shared_ptr<const Prototype> refuse(const PrototypeDraft& d, std::string message) {
    failed_.emplace(d.name.value, d.error(d.extends->pos, std::move(message)));
    return nullptr;
  }

  // Every member of the cycle is refused, its message starting from itself.
  void cycle(const std::vector<std::string>& members) {
    const std::size_t n = members.size();
    for (std::size_t k = 0; k < n; ++k) {
      std::string chain;
      for (std::size_t j = 0; j < n; ++j) chain += members[(k + j) % n] + " -> ";
      chain += members[k];
      refuse(*by_name_.at(members[k]), "extends: a cycle: " + chain);
    }
  }

  const PrototypeLookup& loaded_;
  std::map<std::string, const PrototypeDraft*> by_name_;
  std::map<std::string, std::shared_ptr<const Prototype>> done_;
  std::map<std::string, PrototypeError> failed_;
  std::vector<std::string> path_;
};

}  // namespace

Prototype apply_layer(const Prototype* parent, const PrototypeDraft& d) {
  Prototype p = parent ? *parent : Prototype{};
  p.name = d.name.value;
  p.extends = d.extends ? d.extends->value : std::string();
  p.ancestors.clear();
  if (parent) {
    p.ancestors.push_back(parent->name);
    p.ancestors.insert(p.ancestors.end(), parent->ancestors.begin(), parent->ancestors.end());
  }
  if (d.description) p.description = d.description->value;
  if (d.config) p.config = merge_maps(p.config, d.config->value);
  for (const ChannelDraft& c : d.channels) merge_channel(&p, c);
  for (const RulesetDraft& r : d.rulesets) merge_ruleset(&p, r);
  p.initialization.insert(p.initialization.end(), d.initialization.begin(), d.initialization.end());
  for (const PrototypeSubscription& s : d.subscriptions) merge_subscription(&p, s);
  if (d.protocols) p.protocols = d.protocols->value;
  for (const TopicDraft& t : d.mqtt_topics) merge_topic(&p, t);
  if (d.mqtt_instructions) p.mqtt_instructions = d.mqtt_instructions->value;
  return p;
}

ExtendsResult resolve_extends(const std::vector<PrototypeDraft>& drafts,
                              const PrototypeLookup& loaded) {
  Resolver resolver(drafts, loaded);
  ExtendsResult out;
  for (const PrototypeDraft& d : drafts) {
    if (auto p = resolver.visit(d.name.value)) {
      out.resolved.push_back(std::move(p));
    } else {
      out.errors.push_back(*resolver.error(d.name.value));
    }
  }
  return out;
}

}  // namespace spime::runtime
