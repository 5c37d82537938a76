#include "engine/runtime/outbound/http_client.h"

#include "engine/krl/ascii.h"

#include <algorithm>
#include <cctype>

namespace spime::runtime::http_client {

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void percent_encode(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

bool parse_url(const std::string& url, Url* u, std::string* error) {
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      *error = "invalid url (spaces or control characters)";
      return false;
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    *error = "invalid url";
    return false;
  }
  u->scheme = krl::lower_ascii(url.substr(0, sep));
  if (u->scheme != "http" && u->scheme != "https") {
    *error = "unsupported url scheme " + u->scheme;
    return false;
  }
  u->tls = u->scheme == "https";
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string::npos) end = url.size();
  u->authority = url.substr(start, end - start);
  u->target = url.substr(end);
  u->target = u->target.substr(0, u->target.find('#'));
  if (u->target.empty() || u->target[0] != '/') u->target = "/" + u->target;
  if (u->authority.find('@') != std::string::npos) {
    *error = "credentials in urls are not supported";
    return false;
  }
  std::string port;
  if (!u->authority.empty() && u->authority[0] == '[') {
    size_t close = u->authority.find(']');
    if (close == std::string::npos) {
      *error = "invalid url host";
      return false;
    }
    u->host = u->authority.substr(1, close - 1);
    std::string rest = u->authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        *error = "invalid url host";
        return false;
      }
      port = rest.substr(1);
    }
  } else {
    size_t colon = u->authority.find(':');
    u->host = u->authority.substr(0, colon);
    if (colon != std::string::npos) port = u->authority.substr(colon + 1);
  }
  if (u->host.empty()) {
    *error = "url has no host";
    return false;
  }
  if (port.empty()) {
    u->port = u->tls ? "443" : "80";
  } else {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                  [](unsigned char c) { return std::isdigit(c); });
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      *error = "invalid url port " + port;
      return false;
    }
    u->port = port;
  }
  return true;
}

std::string resolve_location(const Url& base, const std::string& location) {
  size_t scheme_end = location.find("://");
  if (scheme_end != std::string::npos &&
      location.find_first_of("/?#") > scheme_end) {  // "scheme://..."
    return location;
  }
  std::string origin = base.scheme + "://" + base.authority;
  if (location.rfind("//", 0) == 0) return base.scheme + ":" + location;
  if (!location.empty() && location[0] == '/') return origin + location;
  std::string path = base.target.substr(0, base.target.find('?'));
  if (!location.empty() && location[0] == '?') return origin + path + location;
  return origin + path.substr(0, path.rfind('/') + 1) + location;
}

std::string describe(const beast::error_code& ec, const std::string& what,
                     std::chrono::milliseconds timeout) {
  if (ec == asio::error::timed_out) {
    return "timed out after " + std::to_string(timeout.count()) + " ms";
  }
  return what + ": " + ec.message();
}

}  // namespace spime::runtime::http_client
