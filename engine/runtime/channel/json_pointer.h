// JSON Pointers (RFC 6901) and the "$ref"s a channel attribute schema may
// use: what schema compilation and failure explanation both address.
// Pure functions of their arguments; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/value.h"

namespace spime::runtime::json_pointer {

// One reference token, escaped ("~" as "~0", "/" as "~1").
std::string escape_token(std::string_view token);
// Decodes a token as valijson does (~1 then ~0).
std::string unescape_token(std::string_view token);
// "/a/b~1c" from {"a", "b/c"}; "" for none.
std::string pointer(const std::vector<std::string>& segments);

// The definition a "$ref" names: the root for "#", else
// root["definitions" or "$defs"][name]; nullptr when it is not one of these
// forms (remote and deeper refs are refused when a schema is compiled).
const krl::Value* ref_target(const krl::Value& root, std::string_view ref);

}  // namespace spime::runtime::json_pointer
