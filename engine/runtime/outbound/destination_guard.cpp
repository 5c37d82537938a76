// The http module's destination guard. See destination_guard.h.
#include "engine/runtime/outbound/destination_guard.h"
#include "engine/base/thread_annotations.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>

namespace spime::runtime {

namespace ip = boost::asio::ip;

namespace {

std::vector<unsigned char> bytes_of(const ip::address& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  const auto b = a.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

// Whether `a` lies in network/prefix (same family).
bool in_network(const ip::address& a, const ip::address& network, int prefix) {
  if (a.is_v4() != network.is_v4()) return false;
  const auto x = bytes_of(a), n = bytes_of(network);
  const int bits = prefix < 0 ? static_cast<int>(n.size() * 8) : prefix;
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8, bit = 7 - i % 8;
    if (((x[byte] >> bit) & 1) != ((n[byte] >> bit) & 1)) return false;
  }
  return true;
}

bool parse_port(const std::string& text, unsigned short* port) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  const unsigned long n = std::stoul(text);
  if (n < 1 || n > 65535) return false;
  *port = static_cast<unsigned short>(n);
  return true;
}

// Why `a` is refused by default, or nullptr.
const char* refused_kind(const ip::address& a) {
  if (a.is_loopback()) return "a loopback address";
  if (a.is_unspecified()) return "an unspecified address";
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    if (b[0] == 0) return "a \"this host\" address (0.0.0.0/8)";
    if (b[0] == 169 && b[1] == 254) return "a link-local address";
    return nullptr;
  }
  if (a.to_v6().is_link_local()) return "a link-local address";
  return nullptr;
}

// Whether `a` is an address of one of this host's interfaces.
bool is_local_interface(const ip::address& a) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET && a.is_v4()) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      ip::address_v4::bytes_type b;
      std::copy_n(reinterpret_cast<const unsigned char*>(&sin->sin_addr), 4, b.begin());
      found = ip::address_v4(b) == a.to_v4();
    } else if (i->ifa_addr->sa_family == AF_INET6 && a.is_v6()) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      ip::address_v6::bytes_type b;
      std::copy_n(reinterpret_cast<const unsigned char*>(&sin6->sin6_addr), 16, b.begin());
      found = ip::address_v6(b) == a.to_v6();
    }
  }
  freeifaddrs(list);
  return found;
}

Mutex g_mutex;
std::shared_ptr<const DestinationGuard> g_guard SPIME_GUARDED_BY(g_mutex);

}  // namespace

ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

bool DestinationGuard::parse_allow(const std::string& text, Allow* out, std::string* error) {
  Allow allow;
  allow.text = text;
  auto bad = [&](const std::string& why) {
    *error = "--http-allow " + text + ": " + why;
    return false;
  };
  if (text.empty()) return bad("empty");
  boost::system::error_code ec;
  const auto slash = text.find('/');
  if (slash != std::string::npos) {  // CIDR
    allow.network = ip::make_address(text.substr(0, slash), ec);
    if (ec) return bad("not an address before the '/'");
    const std::string bits = text.substr(slash + 1);
    const int max = allow.network.is_v4() ? 32 : 128;
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        std::stoi(bits) > max)
      return bad("the prefix length must be 0.." + std::to_string(max));
    allow.prefix = std::stoi(bits);
    allow.network = unmapped(allow.network);
    *out = std::move(allow);
    return true;
  }
  std::string host = text, port;
  if (text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return bad("no ']'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad("expected ':' after ']'");
      port = text.substr(close + 2);
      if (port.empty()) return bad("no port after ':'");
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return bad("no port after ':'");
  }
  if (host.empty()) return bad("no host");
  if (!port.empty()) {
    unsigned short p = 0;
    if (!parse_port(port, &p)) return bad("bad port '" + port + "'");
    allow.port = p;
  }
  const auto address = ip::make_address(host, ec);
  if (!ec) {
    allow.network = unmapped(address);
  } else {
    for (unsigned char c : host) {
      if (!std::isalnum(c) && c != '-' && c != '.' && c != '_') return bad("not a host name");
    }
    allow.name = host;
  }
  *out = std::move(allow);
  return true;
}

DestinationGuard::DestinationGuard(std::vector<Allow> allow, std::optional<ip::tcp::endpoint> own)
    : allow_(std::move(allow)), own_(std::move(own)) {}

bool DestinationGuard::allowed(const std::string& host, const ip::address& a,
                               unsigned short port) const {
  for (const Allow& e : allow_) {
    if (e.port && *e.port != port) continue;
    if (!e.name.empty()) {
      if (strcasecmp(e.name.c_str(), host.c_str()) == 0) return true;
      continue;
    }
    if (in_network(a, e.network, e.prefix)) return true;
  }
  return false;
}

bool DestinationGuard::is_own(const ip::address& a, unsigned short port) const {
  if (!own_ || own_->port() != port) return false;
  const ip::address bound = unmapped(own_->address());
  if (bound.is_unspecified()) return a.is_loopback() || is_local_interface(a);
  return a == bound;
}

std::string DestinationGuard::check(const std::string& host,
                                    const ip::tcp::endpoint& endpoint) const {
  const ip::address a = unmapped(endpoint.address());
  const unsigned short port = endpoint.port();
  if (allowed(host, a, port)) return {};
  const std::string where = a.to_string() + " port " + std::to_string(port);
  if (is_own(a, port)) {
    return where + " is this engine's own listening address (spime serve --http-allow to allow it)";
  }
  if (const char* kind = refused_kind(a)) {
    return a.to_string() + " is " + kind + " (spime serve --http-allow to allow it)";
  }
  return {};
}

void set_http_module_guard(std::shared_ptr<const DestinationGuard> guard) {
  MutexLock lock(g_mutex);
  g_guard = std::move(guard);
}

std::shared_ptr<const DestinationGuard> http_module_guard() {
  MutexLock lock(g_mutex);
  return g_guard;
}

}  // namespace spime::runtime
