// The server's TLS context. See server_tls.h.
#include "channels/server_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace spime::channels {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's last error as text ("" when none), clearing the queue.
std::string openssl_error() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    text = buf;  // the last one is the most specific
  }
  return text;
}

}  // namespace

std::shared_ptr<ssl::context> server_tls_context(const std::string& cert_file,
                                                 const std::string& key_file, std::string* error) {
  if (cert_file.empty() || key_file.empty()) {
    *error = "TLS needs both --tls-cert and --tls-key";
    return nullptr;
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ERR_clear_error();
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    *error =
        "--tls-cert " + cert_file + ": cannot load a PEM certificate chain (" + ec.message() + ")";
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ec.message().find("mismatch") != std::string::npos) {  // OpenSSL checks it here
    *error = "--tls-key " + key_file + " does not match the certificate in " + cert_file + " (" +
             ec.message() + ")";
    return nullptr;
  }
  if (ec) {
    *error = "--tls-key " + key_file + ": cannot load a PEM private key (" + ec.message() + ")";
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    *error = "--tls-key " + key_file + " does not match the certificate in " + cert_file + " (" +
             openssl_error() + ")";
    return nullptr;
  }
  ERR_clear_error();
  return ctx;
}

}  // namespace spime::channels
