// `spime serve`'s exposure flags. See serve_security.h.
#include "cli/serve_security.h"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <memory>
#include <optional>

#include "channels/client/http_client.h"
#include "engine/logging/log.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/outbound/destination_guard.h"

namespace spime::cli {

namespace {

std::vector<runtime::DestinationGuard::Allow> allow_list(const SecurityOptions& o,
                                                         std::string* error) {
  std::vector<runtime::DestinationGuard::Allow> out;
  for (const std::string& text : o.http_allow) {
    runtime::DestinationGuard::Allow a;
    if (!runtime::DestinationGuard::parse_allow(text, &a, error)) return {};
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

void add_security_options(CLI::App* serve, SecurityOptions* o) {
  serve
      ->add_option("--tls-cert", o->tls_cert,
                   "serve https with this PEM certificate chain (with --tls-key)")
      ->type_name("FILE");
  serve->add_option("--tls-key", o->tls_key, "the PEM private key of --tls-cert")
      ->type_name("FILE");
  serve
      ->add_option("--owner-token-file", o->owner_token_file,
                   "the owner's token (first line, at least 32 characters, chmod 600): /api, "
                   "/metrics and the owner's channels then need Authorization: Bearer")
      ->type_name("FILE");
  serve->add_flag("--insecure", o->insecure,
                  "allow a --host beyond loopback without TLS or an owner token");
  serve
      ->add_option("--http-allow", o->http_allow,
                   "let the http module reach this HOST[:PORT] or CIDR although it is loopback, "
                   "link-local or this engine (repeatable)")
      ->type_name("HOST[:PORT]|CIDR")
      ->check(CLI::Validator(
          [](std::string& text) {
            runtime::DestinationGuard::Allow a;
            std::string error;
            return runtime::DestinationGuard::parse_allow(text, &a, &error) ? std::string() : error;
          },
          "", "allow entry"));
}

bool read_owner_token(const std::string& path, std::string* token, std::string* error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *error = "--owner-token-file " + path + ": cannot read it";
    return false;
  }
  if ((st.st_mode & 077) != 0) {
    *error = "--owner-token-file " + path + ": group or others may read or write it (chmod 600 " +
             path + ")";
    return false;
  }
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    *error = "--owner-token-file " + path + ": cannot read a first line";
    return false;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (unsigned char c : line) {
    if (c <= ' ' || c >= 0x7f) {
      *error = "--owner-token-file " + path + ": the token must be printable ASCII without spaces";
      return false;
    }
  }
  if (line.size() < kMinTokenLength) {
    *error = "--owner-token-file " + path + ": the token has " + std::to_string(line.size()) +
             " characters, fewer than " + std::to_string(kMinTokenLength) +
             " (e.g. openssl rand -hex 32)";
    return false;
  }
  *token = std::move(line);
  return true;
}

std::string prepare_security(const SecurityOptions& o, channels::HttpServerOptions* http) {
  if (o.tls_cert.empty() != o.tls_key.empty()) return "--tls-cert and --tls-key go together";
  const bool tls = !o.tls_cert.empty();
  if (!client::is_loopback_host(http->host) && !o.insecure &&
      (!tls || o.owner_token_file.empty())) {
    return "--host " + http->host +
           " is beyond loopback: give --tls-cert, --tls-key and --owner-token-file (or "
           "--insecure to serve without them)";
  }
  if (!client::is_loopback_host(http->host) && (!tls || o.owner_token_file.empty())) {
    logging::warn("spime serve: --insecure: " + http->host +
                  (o.owner_token_file.empty()
                       ? " is served without an owner token: anyone who reaches it may act as "
                         "the engine's owner"
                       : " is served without TLS: the owner token and every ECI cross the "
                         "network in clear"));
  }
  http->tls_cert_file = o.tls_cert;
  http->tls_key_file = o.tls_key;
  if (!o.owner_token_file.empty()) {
    std::string error;
    if (!read_owner_token(o.owner_token_file, &http->owner_token, &error)) return error;
  }
  std::string error;
  auto allow = allow_list(o, &error);
  if (!error.empty()) return error;
  runtime::set_http_module_guard(
      std::make_shared<runtime::DestinationGuard>(std::move(allow), std::nullopt));
  return {};
}

void protect_owner(const runtime::Engine& engine, channels::HttpServerOptions* http) {
  http->owner_ecis = {engine.owner_eci()};
  if (!engine.ui_eci().empty()) http->owner_ecis.push_back(engine.ui_eci());
}

std::string after_listen(const SecurityOptions& o, const channels::HttpServerOptions& http,
                         unsigned short port) {
  std::string error;
  auto allow = allow_list(o, &error);
  // The address the server bound: it resolved the host the same way.
  std::optional<boost::asio::ip::tcp::endpoint> own;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto found = resolver.resolve(
      http.host, std::to_string(port),
      boost::asio::ip::tcp::resolver::passive | boost::asio::ip::tcp::resolver::numeric_service,
      ec);
  if (!ec && !found.empty()) own = found.begin()->endpoint();
  runtime::set_http_module_guard(
      std::make_shared<runtime::DestinationGuard>(std::move(allow), own));
  const bool bracket = http.host.find(':') != std::string::npos;
  return std::string(o.tls_cert.empty() ? "http://" : "https://") + (bracket ? "[" : "") +
         http.host + (bracket ? "]" : "") + ":" + std::to_string(port);
}

}  // namespace spime::cli
