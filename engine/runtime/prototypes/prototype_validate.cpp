// Validating a prototype against the engine. See prototype_validate.h.
#include "engine/runtime/prototypes/prototype_validate.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "engine/runtime/channel/attrs_schema.h"
#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/channel/rate_limit.h"
#include "engine/runtime/outbound/url_fetch.h"
#include "engine/runtime/prototypes/topic_pattern.h"
#include "engine/runtime/prototypes/yaml_reader.h"
#include "engine/runtime/rulesets/ruleset_registry.h"

namespace spime::runtime {

namespace {

namespace fs = std::filesystem;
using krl::Value;

struct Failure {
  SourcePos pos;
  std::string message;
};

[[noreturn]] void fail(SourcePos pos, std::string message) {
  throw Failure{pos, std::move(message)};
}

std::string indexed(const char* list, std::size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

// A path of the file's: absolute, relative to its folder otherwise.
fs::path resolve_path(const std::string& base_dir, const std::string& ref) {
  fs::path p(ref);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return p.lexically_normal();
}

// A url as written: kept when it has a scheme, a path made a file:// url.
std::string resolve_url(const std::string& base_dir, const std::string& ref) {
  if (ref.find("://") != std::string::npos) return ref;
  return "file://" + resolve_path(base_dir, ref).string();
}

// The registry's errors are "file:line:col: message" lines: one line here.
std::string one_line(std::string text) {
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at)) {
    text.replace(at, 1, "; ");
  }
  return text;
}

// ---- channels ----

void check_name(const ChannelDraft& c, const std::string& path) {
  std::vector<std::string> cleaned;
  std::string why;
  if (!clean_tags(Value(krl::Array{Value(c.name.value)}), &cleaned, &why)) {
    fail(c.name.pos, path + ".name: " + why);
  }
  if (cleaned.front() != c.name.value) {
    fail(c.name.pos, path + ".name: \"" + c.name.value +
                         "\" is not a channel tag (lower-case letters, digits, '-' and '_': \"" +
                         cleaned.front() + "\")");
  }
}

void check_tags(Located<std::vector<std::string>>* tags, const std::string& path) {
  krl::Array given;
  for (const std::string& t : tags->value) given.emplace_back(t);
  std::string why;
  if (!clean_tags(Value(std::move(given)), &tags->value, &why)) fail(tags->pos, path + ": " + why);
}

void check_policies(ChannelDraft* c, const std::string& path) {
  std::string why;
  if (c->event_policy) {
    EventPolicy p;
    if (!parse_event_policy(c->event_policy->value, &p, &why)) {
      fail(c->event_policy->pos, path + ".event_policy: " + why);
    }
    c->event_policy->value = to_value(p);
  }
  if (c->query_policy) {
    QueryPolicy p;
    if (!parse_query_policy(c->query_policy->value, &p, &why)) {
      fail(c->query_policy->pos, path + ".query_policy: " + why);
    }
    c->query_policy->value = to_value(p);
  }
}

// {file: PATH} read and parsed as JSON.
Value read_schema_file(const Value& file, SourcePos pos, const std::string& path,
                       const PrototypeDraft& d, const PrototypeChecks& checks) {
  if (!file.is_string() || file.as_string().empty()) {
    fail(pos, path + ".file: expected the path of a JSON Schema file");
  }
  const fs::path target = resolve_path(d.base_dir, file.as_string());
  const std::string shown = target.string();
  if (checks.checking &&
      !file_readable(shown, checks.registry->source_policy(), {checks.prototypes_dir})) {
    // The same words whether or not anything is there.
    fail(pos, path + ": cannot read " + shown + ": outside the folders prototypes may read");
  }
  std::error_code ec;
  const bool regular = fs::is_regular_file(target, ec);
  const auto size = regular ? fs::file_size(target, ec) : 0;
  if (!regular || ec) fail(pos, path + ": cannot read " + shown);
  if (size > kMaxPrototypeBytes) {
    fail(pos,
         path + ": " + shown + " is larger than " + std::to_string(kMaxPrototypeBytes) + " bytes");
  }
  std::ifstream in(target, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) fail(pos, path + ": cannot read " + shown);
  Value schema;
  std::string why;
  if (!krl::parse_json(text.str(), &schema, &why)) {
    fail(pos, path + ": " + shown + " is not JSON: " + why);
  }
  return schema;
}

void check_schema(ChannelDraft* c, const std::string& path, const PrototypeDraft& d,
                  const PrototypeChecks& checks) {
  if (!c->attrs_schema) return;
  Located<Value>& given = *c->attrs_schema;
  const std::string p = path + ".attrs_schema";
  Value schema = given.value;
  if (schema.is_map() && schema.as_map().size() == 1 && schema.as_map().contains("file")) {
    schema = read_schema_file(*schema.as_map().find("file"), given.pos, p, d, checks);
  }
  std::string why;
  if (!AttrsSchema::compile(schema, &why)) {
    // compile() says "attrsSchema: ...": the key is named here already.
    const std::string prefix = "attrsSchema: ";
    if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
    fail(given.pos, p + ": " + why);
  }
  given.value = std::move(schema);
}

// rate_limit: {per_second, burst?} as a channel takes it (channel/rate_limit.h).
void check_rate_limit(ChannelDraft* c, const std::string& path) {
  if (!c->rate_limit) return;
  ChannelRateLimit r;
  std::string why;
  if (!parse_rate_limit(c->rate_limit->value, path + ".rate_limit", &r, &why)) {
    fail(c->rate_limit->pos, why);
  }
  c->rate_limit->value = rate_limit_value(r);
}

// ---- rulesets ----

std::shared_ptr<const LoadedRuleset> ruleset_at(const std::string& url, SourcePos pos,
                                                const std::string& path,
                                                const PrototypeChecks& checks) {
  RulesetRegistry& registry = *checks.registry;
  if (auto rs = registry.get_by_url(url)) return rs;
  RulesetRegistry::Result r;
  if (!checks.checking) {
    r = registry.flush(url);
  } else if (is_http_url(url)) {
    fail(pos, path + ": " + url + " is not registered (a check fetches nothing)");
  } else {
    r = registry.compile_url(url);
  }
  if (!r.ruleset) fail(pos, path + ": " + one_line(r.error));
  return r.ruleset;
}

void check_rulesets(PrototypeDraft* d, const PrototypeChecks& checks) {
  for (std::size_t i = 0; i < d->rulesets.size(); ++i) {
    RulesetDraft& r = d->rulesets[i];
    const std::string path = indexed("rulesets", i);
    if (r.rid) {
      auto rs = checks.registry->get(r.rid->value);
      if (!rs) fail(r.rid->pos, path + ".rid: no ruleset \"" + r.rid->value + "\" is registered");
      r.url = Located<std::string>{rs->url, r.rid->pos};
    } else {
      const std::string url = resolve_url(d->base_dir, r.url->value);
      auto rs = ruleset_at(url, r.url->pos, path + ".url", checks);
      r.url->value = url;
      r.rid = Located<std::string>{rs->rid, r.url->pos};
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (d->rulesets[j].rid->value == r.rid->value) {
        fail(r.pos, path + ": ruleset " + r.rid->value + " is already listed (" +
                        indexed("rulesets", j) + ")");
      }
    }
  }
}

}  // namespace

bool validate_prototype(PrototypeDraft* d, const PrototypeChecks& checks, PrototypeError* error) {
  try {
    for (std::size_t i = 0; i < d->channels.size(); ++i) {
      ChannelDraft& c = d->channels[i];
      const std::string path = indexed("channels", i);
      check_name(c, path);
      if (c.tags) check_tags(&*c.tags, path + ".tags");
      check_policies(&c, path);
      check_schema(&c, path, *d, checks);
      check_rate_limit(&c, path);
    }
    check_rulesets(d, checks);
    for (std::size_t i = 0; i < d->mqtt_topics.size(); ++i) {
      const TopicDraft& t = d->mqtt_topics[i];
      std::string why;
      if (!check_topic_pattern(t.topic.value, &why)) {
        fail(t.topic.pos, indexed("mqtt.topics", i) + ".topic: " + why);
      }
    }
    if (d->mqtt_instructions) {
      std::string why;
      if (!check_topic_pattern(d->mqtt_instructions->value, &why)) {
        fail(d->mqtt_instructions->pos, "mqtt.instructions: " + why);
      }
    }
    return true;
  } catch (const Failure& f) {
    *error = d->error(f.pos, f.message);
    return false;
  }
}

}  // namespace spime::runtime
