// The owner's credential. See owner_guard.h.
#include "channels/owner_guard.h"

#include <openssl/crypto.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

namespace spime::channels {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The segment percent-decoded; a bad escape stays as written (routes.cpp
// answers it 400, so it never reaches a channel).
std::string decoded(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool needs_owner_token(std::string_view method, std::string_view target,
                       const std::vector<std::string>& owner_ecis) {
  if (method == "OPTIONS") return false;
  std::string_view path = target.substr(0, target.find('?'));
  if (starts_with_nocase(path, "/api/") || strcasecmp(std::string(path).c_str(), "/api") == 0)
    return true;
  if (starts_with_nocase(path, "/metrics")) {
    const std::string_view rest = path.substr(8);
    if (rest.empty() || rest == "/") return true;
  }
  std::string_view rest;
  for (std::string_view prefix : {"/c/", "/sky/event/", "/sky/cloud/"}) {
    if (starts_with_nocase(path, prefix)) {
      rest = path.substr(prefix.size());
      break;
    }
  }
  if (rest.empty()) return false;
  const std::string eci = decoded(rest.substr(0, rest.find('/')));
  return std::any_of(owner_ecis.begin(), owner_ecis.end(),
                     [&](const std::string& owner) { return !owner.empty() && owner == eci; });
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool carries_owner_token(const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& token) {
  for (const auto& [name, value] : headers) {
    if (strcasecmp(name.c_str(), "authorization") != 0) continue;
    std::string_view v = value;
    if (!starts_with_nocase(v, "bearer ")) return false;
    v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return same_secret(v, token);
  }
  return false;
}

Response owner_token_refusal() {
  Response r = error_response(
      401, error_text("this route needs the owner's token (Authorization: Bearer <token>)"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace spime::channels
