// Heartbeats in the real ESProto (Wovyn) format, as the sensors post them
// (the payloads of shared/esproto/: a Temp-2000 with one temperature probe,
// or a multi-sensor array with two temperature probes, humidity and
// pressure), with readings that wander and a battery that drains.
//
// Each SensorSim is one device: every reading is a bounded random walk,
// inside the prototype's limits for a normal device, above the upper
// temperature limit for a hot one; healthPercent drains slowly and stays
// above the router's low_battery_percent for a normal device, under it for a
// low-battery one. Values are sent with two decimals, and the expectation of
// each heartbeat (how many readings break their limits, whether the battery
// is low) is computed from the text sent, as esproto_device and
// esproto_router read it. Malformed payloads are those of shared/esproto/bad/,
// made the same ways; the device channel's schema (or the JSON parser)
// refuses each with 400.
//
// Deterministic: the same seed and index, the same heartbeats.
// Small: a fleet keeps one per device (about 200 bytes for a Temp-2000).
// Thread-safety: a SensorSim is used by one thread at a time.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "devices/prototype_profile.h"
#include "devices/small_rng.h"

namespace spime::devices {

enum class SensorModel { kTemp, kMsa };

// esproto-msa: the multi-sensor array; anything else: the Temp-2000.
SensorModel model_of(const std::string& prototype);

struct DeviceTraits {
  bool hot = false;
  bool low_battery = false;
  bool silent = false;
  bool string_numbers = false;  // numerals sent as strings ("78.80"), as some MSAs do
};

struct Heartbeat {
  std::string body;
  int violations = 0;        // readings outside their limits: threshold_violation directives
  int temperatures = 0;      // temperature readings in it (esproto_device's readings_temperature)
  bool low_battery = false;  // healthPercent < low_battery_percent: battery_level_low
  double health = 0;         // healthPercent as sent
  int malformed_kind = -1;   // >= 0: a malformed payload of that kind (no expectations)
  bool malformed() const { return malformed_kind >= 0; }
};

// The kinds of malformed payload, as shared/esproto/bad/ names its files.
constexpr int kMalformedKinds = 8;
const char* malformed_kind_name(int kind);

class SensorSim {
 public:
  SensorSim(const Profile& profile, SensorModel model, DeviceTraits traits, int index,
            std::uint64_t seed);

  const DeviceTraits& traits() const { return traits_; }

  // The device's next heartbeat: readings and battery move one step.
  Heartbeat next_good();
  // A malformed payload (kind chosen at random); the device's state stays.
  Heartbeat next_malformed();
  // True with probability `fraction` (whether the next heartbeat is malformed).
  bool roll(double fraction);

 private:
  struct Walk {
    double value, lo, hi;
    bool counts = false;  // the type has limits: a value outside them is a violation
    double upper = 0, lower = 0;
    bool has_upper = false, has_lower = false;
  };
  // The strings are literals: nothing per device but the walk.
  struct Reading {
    std::string_view type;  // temperature, humidity, pressure
    std::string_view name;
    std::string_view guid_suffix;  // the transducer's GUID: the emitter's, then this
    Walk walk;
  };

  Walk make_walk(std::string_view type, const Profile& profile, bool hot);
  void step(Walk* w);
  // The heartbeat's JSON; `defect` >= 0 breaks it that way.
  std::string render(int defect, int* violations) const;
  std::string number(double v) const;

  SensorModel model_;
  DeviceTraits traits_;
  std::string emitter_;
  int heartbeat_seconds_;
  double low_battery_percent_;
  double health_, health_floor_, drain_;
  std::vector<Reading> readings_;
  SmallRng rng_;
};

}  // namespace spime::devices
