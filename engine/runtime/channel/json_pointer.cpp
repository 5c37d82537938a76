#include "engine/runtime/channel/json_pointer.h"

namespace spime::runtime::json_pointer {

std::string escape_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    out += escape_token(s);
  }
  return out;
}

std::string unescape_token(std::string_view t) {
  std::string s(t);
  for (std::size_t p = 0; (p = s.find("~1", p)) != std::string::npos; ++p) s.replace(p, 2, "/");
  for (std::size_t p = 0; (p = s.find("~0", p)) != std::string::npos; ++p) s.replace(p, 2, "~");
  return s;
}

const krl::Value* ref_target(const krl::Value& root, std::string_view ref) {
  if (ref == "#") return &root;
  for (std::string_view defs : {"definitions", "$defs"}) {
    std::string prefix = "#/" + std::string(defs) + "/";
    if (ref.substr(0, prefix.size()) != prefix) continue;
    std::string_view token = ref.substr(prefix.size());
    if (token.empty() || token.find('/') != std::string_view::npos ||
        token.find('%') != std::string_view::npos || !root.is_map()) {
      return nullptr;
    }
    const krl::Value* table = root.as_map().find(defs);
    if (table == nullptr || !table->is_map()) return nullptr;
    return table->as_map().find(unescape_token(token));
  }
  return nullptr;
}

}  // namespace spime::runtime::json_pointer
