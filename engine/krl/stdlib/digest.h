// Message digests, HMAC and byte encodings for the math module (math:hash,
// math:hmac, math:base64encode/decode). Digests and HMAC are OpenSSL's
// (libcrypto); the encodings follow Node's lenient decoders, so are ours.
//
// All functions work on raw bytes held in std::string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spime::krl::stdlib {

// The algorithm names digest() accepts, as Node's crypto spells them:
// md5, sha1, sha224, sha256, sha384, sha512.
const std::vector<std::string>& digest_algorithms();
bool is_digest_algorithm(std::string_view name);

// The raw digest of `data`. Precondition: is_digest_algorithm(algorithm).
std::string digest(std::string_view algorithm, std::string_view data);
// RFC 2104 HMAC. Precondition: is_digest_algorithm(algorithm).
std::string hmac(std::string_view algorithm, std::string_view key, std::string_view data);

// Lowercase hex.
std::string hex_encode(std::string_view bytes);
// Node's Buffer.from(s, "hex"): pairs of hex digits, stopping at the first
// pair that is not one.
std::string hex_decode_lenient(std::string_view s);
// Standard base64 with padding (or the URL alphabet without padding).
std::string base64_encode(std::string_view bytes, bool url = false);
// Node's lenient base64 decoding: both alphabets, other characters skipped,
// stops at the first '='.
std::string base64_decode_lenient(std::string_view s);

}  // namespace spime::krl::stdlib
