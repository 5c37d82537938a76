// Fuzz target: cron timespecs (engine/runtime/timers/cron.h), as `schedule
// ... repeat "<timespec>"` gives them: parsed, then asked for their next
// firing times from a few fixed instants (the epoch, a leap day, the end of
// a year, the far past and future). A next time must lie after the instant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/runtime/timers/cron.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using spime::runtime::CronSpec;
  std::string error;
  auto spec = CronSpec::parse(spime::fuzz::as_text(data, size), &error);
  if (!spec) return 0;
  constexpr std::int64_t kInstants[] = {
      0,                  // 1970-01-01
      951'782'400'000,    // 2000-02-29
      1'798'761'599'000,  // 2026-12-31T23:59:59Z
      -8'640'000'000'000'000 + 1,
      8'640'000'000'000'000 - 1,
  };
  for (std::int64_t at : kInstants) {
    auto next = spec->next_after(at);
    if (next && *next <= at) std::abort();
  }
  return 0;
}
