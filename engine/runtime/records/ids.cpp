#include "engine/runtime/records/ids.h"

#include <sys/random.h>

#include <cstdint>
#include <random>

namespace spime::runtime {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void random_bytes(unsigned char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out + got, n - got, 0);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  if (got < n) {
    std::random_device rd;
    for (; got < n; ++got) out[got] = static_cast<unsigned char>(rd());
  }
}

}  // namespace

std::string new_id() {
  // 18 bytes = 144 bits = exactly 24 base64 characters.
  unsigned char bytes[18];
  random_bytes(bytes, sizeof bytes);
  std::string id;
  id.reserve(kIdLength);
  for (size_t i = 0; i < sizeof bytes; i += 3) {
    uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    id += kAlphabet[(v >> 18) & 63];
    id += kAlphabet[(v >> 12) & 63];
    id += kAlphabet[(v >> 6) & 63];
    id += kAlphabet[v & 63];
  }
  // Never a leading '-': `spime query -Il9...` would read the ECI as an option.
  if (id[0] == '-') id[0] = kAlphabet[bytes[17] % 62];
  return id;
}

bool is_valid_id(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace spime::runtime
