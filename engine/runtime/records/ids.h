// Identifiers the engine mints: pico ids, ECIs, event ids, schedule ids.
//
// Every id is 24 characters of the URL-safe base64 alphabet ([A-Za-z0-9_-]),
// 144 bits from the kernel's CSPRNG (getrandom). An ECI is a capability: it
// must not be guessable, so no counter or time goes into it. The alphabet
// never contains the store's key separator, so ids are safe as key fields.
#pragma once

#include <string>
#include <string_view>

namespace spime::runtime {

constexpr size_t kIdLength = 24;

// A fresh random id (URL-safe base64, never beginning with '-', which a
// command line would take for an option). Never fails: falls back to
// std::random_device when getrandom is unavailable.
std::string new_id();

// True when `s` could be an id we minted or one the reference mints (cuid-like
// ids are also URL-safe): 1..128 characters of [A-Za-z0-9_-]. Used to refuse
// junk ECIs before they reach the store.
bool is_valid_id(std::string_view s);

}  // namespace spime::runtime
