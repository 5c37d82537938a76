// DestinationGuard: where the KRL `http` module may connect (SSRF defence).
//
// A ruleset's http:get runs inside the engine's host, so without a guard it
// reaches what only that host can: the engine's own routes (GET
// /api/ui-context answers the owner's UI ECI, and from there every route of
// the root pico), services bound to loopback, and the cloud metadata service
// at 169.254.169.254. The guard refuses, by default:
//   - loopback: 127.0.0.0/8, ::1 (and IPv4 ones mapped into IPv6);
//   - link-local: 169.254.0.0/16, fe80::/10;
//   - unspecified / "this host": 0.0.0.0/8, :: (connecting there reaches the
//     host itself on Linux);
//   - the engine's own listening address: its port on the address it binds,
//     or on any address of this host's interfaces when it binds a wildcard.
// Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed: a
// device cloud on a LAN is the normal case.
//
// An allow-list (`spime serve --http-allow`, repeatable) overrides all of
// that. An entry is `CIDR` (10.0.0.0/8, ::1/128: any port), `ADDRESS`,
// `ADDRESS:PORT`, `[V6]:PORT`, `NAME` or `NAME:PORT` (a name matches the
// URL's host as written, case-insensitively: then every address it resolves
// to is allowed, the operator having named it).
//
// The check runs on the addresses a request actually connects to (the
// outbound client resolves once, checks, and connects only to the addresses
// that passed: no DNS-rebinding gap), and again for every redirect followed.
// Ruleset fetches (url_fetch.h) and the outbox (remote_events.h) are not
// guarded: engines on one machine talk over loopback.
//
// Thread-safety: a DestinationGuard is immutable once built (check() from
// any thread). The process-wide guard of the http module is set with
// set_http_module_guard() (any thread; `spime serve` sets it before the
// engine opens and again when it knows its port) and read with
// http_module_guard(). Unset (an embedding, `spime krl run`), the module is
// unguarded.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spime::runtime {

class DestinationGuard {
 public:
  struct Allow {
    // A network (address + prefix length) or a host name (name non-empty).
    boost::asio::ip::address network;
    int prefix = -1;  // -1: the address alone (its full length)
    std::string name;
    std::optional<unsigned short> port;  // nullopt: any port
    std::string text;                    // as given, for messages
  };

  // Reads one allow-list entry (the forms above); false + *error.
  static bool parse_allow(const std::string& text, Allow* out, std::string* error);

  DestinationGuard() = default;
  DestinationGuard(std::vector<Allow> allow, std::optional<boost::asio::ip::tcp::endpoint> own);

  // "" when `host` (as the URL wrote it, without brackets) may be reached at
  // `endpoint`; otherwise why not, e.g. "127.0.0.1 is a loopback address
  // (spime serve --http-allow to allow it)".
  std::string check(const std::string& host, const boost::asio::ip::tcp::endpoint& endpoint) const;

 private:
  bool allowed(const std::string& host, const boost::asio::ip::address& a,
               unsigned short port) const;
  bool is_own(const boost::asio::ip::address& a, unsigned short port) const;

  std::vector<Allow> allow_;
  // The engine's listening endpoint (its address may be a wildcard).
  std::optional<boost::asio::ip::tcp::endpoint> own_;
};

// IPv4 addresses mapped into IPv6 (::ffff:a.b.c.d) as IPv4; others as they are.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

void set_http_module_guard(std::shared_ptr<const DestinationGuard> guard);
std::shared_ptr<const DestinationGuard> http_module_guard();

}  // namespace spime::runtime
