// Channel policies: which events and queries a channel lets through.
//
// A channel carries an event policy (allow/deny lists of {domain, name}) and a
// query policy (allow/deny lists of {rid, name}); "*" matches anything. Deny
// wins: a request matching any deny rule is refused, otherwise it must match an
// allow rule. Validation and tag cleaning follow the reference (pico-framework's
// Channel): a malformed policy is refused with the reference's message, and
// tags are normalised to lower-case [a-z0-9_-] words.
//
// Pure values: no I/O, safe to share between threads once built.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/value.h"

namespace spime::runtime {

struct EventRule {
  std::string domain;
  std::string name;
};
struct QueryRule {
  std::string rid;
  std::string name;
};

struct EventPolicy {
  std::vector<EventRule> allow{{"*", "*"}};
  std::vector<EventRule> deny;
};
struct QueryPolicy {
  std::vector<QueryRule> allow{{"*", "*"}};
  std::vector<QueryRule> deny;
};

// nullopt when allowed; otherwise the refusal message ("Denied by channel
// policy" or "Not allowed by channel policy", as the reference).
std::optional<std::string> check_event(const EventPolicy& p, std::string_view domain,
                                       std::string_view name);
std::optional<std::string> check_query(const QueryPolicy& p, std::string_view rid,
                                       std::string_view name);

// Family channels (the parent/child/self channels ctx:newPico makes) belong
// to one pico, `family_pico_id`: only that pico may send through them, as
// the reference (pico-framework Channel.assertIfFamilyChannel), before any
// policy is looked at. `from_pico_id` is the sending pico, empty for a
// client (HTTP) or anything that is no pico. nullopt when allowed.
inline constexpr const char* kFamilyChannelRefusal =
    "This is a family channel and only the owner can use it.";
std::optional<std::string> check_family(const std::optional<std::string>& family_pico_id,
                                        std::string_view from_pico_id);

// Parse a KRL/JSON value ({"allow": [...], "deny": [...]}) into a policy.
// Returns false and sets *error to the reference's message when malformed.
bool parse_event_policy(const krl::Value& v, EventPolicy* out, std::string* error);
bool parse_query_policy(const krl::Value& v, QueryPolicy* out, std::string* error);
// Cleans channel tags as the reference does; false + message when invalid.
bool clean_tags(const krl::Value& v, std::vector<std::string>* out, std::string* error);

krl::Value to_value(const EventPolicy& p);
krl::Value to_value(const QueryPolicy& p);

}  // namespace spime::runtime
