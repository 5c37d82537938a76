// The `random` module, as the reference's pico-engine-core modules/random.ts:
// uuid (a cuid), word, integer, number. Randomness comes from ctx.rng.
//
// integer/number follow the reference's fixLowerUpperArgs, including its
// quirk: toNumberOrNull(null) is 0, so a missing `upper` reads as 0 and
// random:integer() is always 0; random:integer(10) is 0..10.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>

#include "engine/krl/stdlib/js_text.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::stdlib {
namespace {

// A uniform double in [0, 1), as Math.random().
double unit_random(EvalContext& ctx) {
  return static_cast<double>(ctx.rng()() >> 11) * (1.0 / 9007199254740992.0);
}

std::string base36(std::uint64_t n) {
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[n % 36]);
    n /= 36;
  } while (n > 0);
  return out;
}

// The last `width` characters of base36(n), left-padded with '0'.
std::string base36_block(std::uint64_t n, size_t width) {
  std::string s = base36(n);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s.substr(s.size() - width);
}

std::string host_fingerprint() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::uint64_t sum = std::char_traits<char>::length(host) + 36;
  for (const char* p = host; *p; ++p) sum += static_cast<unsigned char>(*p);
  return base36_block(static_cast<std::uint64_t>(getpid()), 2) + base36_block(sum, 2);
}

// A cuid: 'c', the time in ms, a process-wide counter, a host fingerprint
// and 8 random characters, all base36.
Value random_uuid(EvalContext& ctx, const BoundArgs&) {
  static std::atomic<std::uint64_t> counter{0};
  static const std::string fingerprint = host_fingerprint();
  constexpr std::uint64_t kBlock = 36 * 36 * 36 * 36;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string id = "c" + base36(static_cast<std::uint64_t>(ms));
  id += base36_block(counter.fetch_add(1) % kBlock, 4);
  id += fingerprint;
  id += base36_block(static_cast<std::uint64_t>(unit_random(ctx) * kBlock), 4);
  id += base36_block(static_cast<std::uint64_t>(unit_random(ctx) * kBlock), 4);
  return Value(std::move(id));
}

// Our own list of plain English words.
const char* const kWords[] = {
    "apple",   "river",   "stone",   "cloud",   "garden",  "window", "candle",  "bridge",
    "forest",  "meadow",  "silver",  "harbor",  "lantern", "pepper", "marble",  "thunder",
    "violet",  "winter",  "summer",  "autumn",  "spring",  "island", "valley",  "canyon",
    "desert",  "ocean",   "planet",  "rocket",  "engine",  "button", "pencil",  "paper",
    "basket",  "blanket", "castle",  "dragon",  "falcon",  "rabbit", "turtle",  "otter",
    "badger",  "beaver",  "walrus",  "pigeon",  "sparrow", "robin",  "copper",  "bronze",
    "amber",   "crystal", "shadow",  "whisper", "echo",    "signal", "compass", "anchor",
    "harvest", "orchard", "cherry",  "lemon",   "mango",   "olive",  "walnut",  "almond",
    "honey",   "butter",  "bread",   "cheese",  "coffee",  "kettle", "ladder",  "hammer",
    "needle",  "thread",  "ribbon",  "saddle",  "wagon",   "tunnel", "tower",   "village",
    "market",  "school",  "library", "museum",  "theater", "circle", "square",  "arrow",
    "feather", "pebble",  "glacier", "volcano", "breeze",  "meteor", "comet",   "galaxy",
    "puzzle",  "riddle",  "story",   "letter",  "number",  "melody", "rhythm",  "guitar",
    "violin",  "trumpet", "drum",    "piano",   "jacket",  "mitten", "pocket",  "mirror",
    "quiet",   "gentle",  "bright",  "happy",   "brave",   "clever", "simple",  "steady",
};

Value random_word(EvalContext& ctx, const BoundArgs&) {
  constexpr size_t kCount = sizeof(kWords) / sizeof(kWords[0]);
  const auto i = static_cast<size_t>(unit_random(ctx) * kCount);
  return Value(kWords[i < kCount ? i : kCount - 1]);
}

// The reference's toNumberOrNull (Value's to_number), optionally rounded.
bool bound_number(const Value& v, bool round, double* out) {
  if (!to_number(v, out)) return false;
  if (round) *out = js_math_round(*out);
  return true;
}

// lodash's toFinite: infinities clamp to the largest double.
double to_finite(double x) {
  if (std::isinf(x)) return x > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
  return x;
}

// fixLowerUpperArgs: returns {lower, upper}, ordered as _.random orders them.
std::pair<double, double> lower_upper(const BoundArgs& args, bool round) {
  double upper = 0, lower = 0;
  const bool has_upper = bound_number(args[0], round, &upper);
  const bool has_lower = bound_number(args[1], round, &lower);
  if (!has_upper) upper = has_lower ? 0 : 1;
  if (!has_lower) lower = 0;
  lower = to_finite(lower);
  upper = to_finite(upper);
  if (lower > upper) std::swap(lower, upper);
  return {lower, upper};
}

Value random_integer(EvalContext& ctx, const BoundArgs& args) {
  const auto [lower, upper] = lower_upper(args, true);
  return Value(lower + std::floor(unit_random(ctx) * (upper - lower + 1)));
}

Value random_number(EvalContext& ctx, const BoundArgs& args) {
  const auto [lower, upper] = lower_upper(args, false);
  const double r = lower + unit_random(ctx) * (upper - lower);
  return Value(r < upper ? r : upper);
}

}  // namespace

const Module& random_module() {
  static const Module kRandom{"random",
                              {
                                  {"uuid", {}, random_uuid},
                                  {"word", {}, random_word},
                                  {"integer", {"upper", "lower"}, random_integer},
                                  {"number", {"upper", "lower"}, random_number},
                              }};
  return kRandom;
}

}  // namespace spime::krl::stdlib
