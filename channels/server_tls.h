// The HTTP server's TLS context (`spime serve --tls-cert FILE --tls-key FILE`).
//
// Both files are PEM: the certificate file holds the server's certificate
// followed by any intermediates (the chain sent to clients), the key file
// its private key (unencrypted). Checked at once: a file that cannot be
// read or parsed, or a key that does not match the certificate, is an
// error naming the file. TLS 1.2 is the oldest version offered; SSLv2/3,
// TLS 1.0/1.1 and compression are off.
//
// Thread-safety: call from one thread; the context is then only read by
// the server's sessions (OpenSSL's SSL_CTX is safe for that).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace spime::channels {

// The context, or nullptr with *error ("--tls-cert server.pem: ...").
std::shared_ptr<boost::asio::ssl::context> server_tls_context(const std::string& cert_file,
                                                              const std::string& key_file,
                                                              std::string* error);

}  // namespace spime::channels
