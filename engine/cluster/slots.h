// Slots: the unit a cluster of engines places and moves picos by
// (docs/cluster.md). A pico's slot is fixed when it is created and carried
// in every ECI minted for it (engine/runtime/records/ids.h), so a router
// finds the slot, and from it the engine, from the URL alone.
//
// A slot is written as 3 lower-case hex digits ("000".."fff"), in ECIs, in
// etcd keys and on the command line.
//
// Header-only (the runtime's ids.h uses it; the cluster library need not
// be linked for that). Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spime::cluster {

using Slot = std::uint16_t;

inline constexpr unsigned kSlotCount = 4096;
inline constexpr std::size_t kSlotDigits = 3;
// Where the picos of an engine that predates slots live (their ECIs carry
// none); see docs/cluster.md, "Slots".
inline constexpr Slot kLegacySlot = 0;
// A slotted ECI: the slot's digits, then 22 characters of the id alphabet
// (engine/runtime/records/ids.h mints them).
inline constexpr std::size_t kSlottedEciLength = kSlotDigits + 22;

// "3a7" for 0x3a7. `slot` must be below kSlotCount (higher bits are dropped).
inline std::string slot_text(Slot slot) {
  constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out(kSlotDigits, '0');
  unsigned v = slot % kSlotCount;
  for (std::size_t i = kSlotDigits; i-- > 0; v >>= 4) out[i] = kHexDigits[v & 15];
  return out;
}

// The slot `text` names: exactly kSlotDigits lower-case hex digits.
// nullopt for anything else ("3A7", "0x3a7", "1000", "").
inline std::optional<Slot> parse_slot_text(std::string_view text) {
  if (text.size() != kSlotDigits) return std::nullopt;
  unsigned v = 0;
  for (char c : text) {
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    v = (v << 4) | d;
  }
  return static_cast<Slot>(v);
}

// The slot a slotted ECI carries: kSlottedEciLength characters of the id
// alphabet ([A-Za-z0-9_-]), the first kSlotDigits of them lower-case hex.
// nullopt for any other string (a 24-character legacy ECI, a reference
// cuid, junk).
inline std::optional<Slot> slot_of_eci(std::string_view eci) {
  if (eci.size() != kSlottedEciLength) return std::nullopt;
  for (char c : eci) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return std::nullopt;
  }
  return parse_slot_text(eci.substr(0, kSlotDigits));
}

}  // namespace spime::cluster
