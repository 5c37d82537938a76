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

// 18 random bytes = 144 bits = exactly 24 base64 characters; the last byte
// is also returned, for new_id's leading '-' rule.
std::string random_chars(unsigned char* last_byte) {
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
  *last_byte = bytes[17];
  return id;
}

}  // namespace

std::string new_id() {
  unsigned char last = 0;
  std::string id = random_chars(&last);
  // Never a leading '-': `spime query -Il9...` would read the ECI as an option.
  if (id[0] == '-') id[0] = kAlphabet[last % 62];
  return id;
}

std::string new_slotted_eci(cluster::Slot slot) {
  unsigned char last = 0;
  const std::string random = random_chars(&last);
  // The last 22 of the 24 random characters: 132 bits.
  constexpr size_t kRandomPart = kSlottedEciLength - cluster::kSlotDigits;
  return cluster::slot_text(slot) + random.substr(random.size() - kRandomPart);
}

cluster::Slot random_slot() {
  unsigned char bytes[2];
  random_bytes(bytes, sizeof bytes);
  return static_cast<cluster::Slot>(((unsigned{bytes[0]} << 8) | bytes[1]) % cluster::kSlotCount);
}

std::uint32_t random_below(std::uint32_t n) {
  if (n == 0) return 0;
  // Rejection: draws at or above the largest multiple of n are drawn again,
  // so every value below n is equally likely.
  const std::uint32_t limit = UINT32_MAX - UINT32_MAX % n;
  for (;;) {
    unsigned char b[4];
    random_bytes(b, sizeof b);
    const std::uint32_t v = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
                            (std::uint32_t{b[2]} << 8) | b[3];
    if (v < limit) return v % n;
  }
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
