#include "engine/runtime/channel/channel_policy.h"

#include <algorithm>
#include <cctype>

#include "engine/krl/ascii.h"

namespace spime::runtime {
using krl::trim;

namespace {

bool matches(std::string_view pattern, std::string_view value) {
  return pattern == "*" || pattern == value;
}

template <typename Rule, typename Match>
std::optional<std::string> check(const std::vector<Rule>& allow, const std::vector<Rule>& deny,
                                 Match match) {
  for (const Rule& r : deny) {
    if (match(r)) return std::string("Denied by channel policy");
  }
  for (const Rule& r : allow) {
    if (match(r)) return std::nullopt;
  }
  return std::string("Not allowed by channel policy");
}

bool blank(const krl::Value* v) {
  if (v == nullptr || !v->is_string()) return true;
  const std::string& s = v->as_string();
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// True when `v` is a map with exactly the two keys a and b.
bool has_exactly(const krl::Value& v, const char* a, const char* b) {
  if (!v.is_map()) return false;
  const krl::Map& m = v.as_map();
  return m.size() == 2 && m.contains(a) && m.contains(b);
}

// Parses {allow: [...], deny: [...]} where each rule is a map of key1/key2.
template <typename Rule>
bool parse_policy(const krl::Value& v, const char* key1, const char* key2, std::vector<Rule>* allow,
                  std::vector<Rule>* deny, const std::string& policy_msg,
                  const std::string& rule_msg, std::string* error) {
  if (!has_exactly(v, "allow", "deny") || !v.as_map().find("allow")->is_array() ||
      !v.as_map().find("deny")->is_array()) {
    *error = policy_msg;
    return false;
  }
  auto parse_list = [&](const krl::Value& list, std::vector<Rule>* out) {
    out->clear();
    for (const krl::Value& r : list.as_array()) {
      if (!has_exactly(r, key1, key2) || blank(r.as_map().find(key1)) ||
          blank(r.as_map().find(key2))) {
        *error = rule_msg;
        return false;
      }
      out->push_back(
          Rule{trim(r.as_map().find(key1)->as_string()), trim(r.as_map().find(key2)->as_string())});
    }
    return true;
  };
  return parse_list(*v.as_map().find("allow"), allow) && parse_list(*v.as_map().find("deny"), deny);
}

}  // namespace

std::optional<std::string> check_event(const EventPolicy& p, std::string_view domain,
                                       std::string_view name) {
  return check(p.allow, p.deny, [&](const EventRule& r) {
    return matches(r.domain, domain) && matches(r.name, name);
  });
}

std::optional<std::string> check_query(const QueryPolicy& p, std::string_view rid,
                                       std::string_view name) {
  return check(p.allow, p.deny,
               [&](const QueryRule& r) { return matches(r.rid, rid) && matches(r.name, name); });
}

bool parse_event_policy(const krl::Value& v, EventPolicy* out, std::string* error) {
  EventPolicy p;
  if (!parse_policy(v, "domain", "name", &p.allow, &p.deny,
                    "EventPolicy expects {allow: EventPolicyRule[], deny: EventPolicyRule[]}",
                    "EventPolicyRule expects {domain: string, name: string}", error)) {
    return false;
  }
  *out = std::move(p);
  return true;
}

bool parse_query_policy(const krl::Value& v, QueryPolicy* out, std::string* error) {
  QueryPolicy p;
  if (!parse_policy(v, "rid", "name", &p.allow, &p.deny,
                    "QueryPolicy expects {allow: QueryPolicyRule[], deny: QueryPolicyRule[]}",
                    "QueryPolicyRule expects {rid: string, name: string}", error)) {
    return false;
  }
  *out = std::move(p);
  return true;
}

bool clean_tags(const krl::Value& v, std::vector<std::string>* out, std::string* error) {
  static const char* kNotArray = "Channel `tags` must be an array of non-empty strings.";
  if (!v.is_array()) {
    *error = kNotArray;
    return false;
  }
  std::vector<std::string> tags;
  for (const krl::Value& t : v.as_array()) {
    if (!t.is_string()) {
      *error = kNotArray;
      return false;
    }
    // Runs of anything but [A-Za-z0-9_-] become one "-"; no leading/trailing "-".
    std::string tag;
    for (unsigned char c : trim(t.as_string())) {
      if (std::isalnum(c) || c == '_' || c == '-') {
        if (c == '-' && !tag.empty() && tag.back() == '-') continue;
        tag.push_back(static_cast<char>(std::tolower(c)));
      } else if (tag.empty() || tag.back() != '-') {
        tag.push_back('-');
      }
    }
    while (!tag.empty() && tag.front() == '-') tag.erase(tag.begin());
    while (!tag.empty() && tag.back() == '-') tag.pop_back();
    if (tag.empty()) {
      *error = "Channel tag cannot be a blank string.";
      return false;
    }
    if (tag == "system") {
      *error = "Cannot tag channel as \"system\".";
      return false;
    }
    tags.push_back(std::move(tag));
  }
  *out = std::move(tags);
  return true;
}

krl::Value to_value(const EventPolicy& p) {
  auto list = [](const std::vector<EventRule>& rules) {
    krl::Array a;
    for (const EventRule& r : rules) a.push_back(krl::Map{{"domain", r.domain}, {"name", r.name}});
    return krl::Value(std::move(a));
  };
  return krl::Map{{"allow", list(p.allow)}, {"deny", list(p.deny)}};
}

krl::Value to_value(const QueryPolicy& p) {
  auto list = [](const std::vector<QueryRule>& rules) {
    krl::Array a;
    for (const QueryRule& r : rules) a.push_back(krl::Map{{"rid", r.rid}, {"name", r.name}});
    return krl::Value(std::move(a));
  };
  return krl::Map{{"allow", list(p.allow)}, {"deny", list(p.deny)}};
}

std::optional<std::string> check_family(const std::optional<std::string>& family_pico_id,
                                        std::string_view from_pico_id) {
  if (!family_pico_id || (!from_pico_id.empty() && *family_pico_id == from_pico_id)) {
    return std::nullopt;
  }
  return std::string(kFamilyChannelRefusal);
}

}  // namespace spime::runtime
