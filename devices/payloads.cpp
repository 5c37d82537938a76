#include "devices/payloads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace spime::devices {

namespace {

// Malformed kinds (shared/esproto/bad/<name>.json).
enum Defect {
  kNone = -1,
  kDataNotAMap = 0,
  kDeeplyNested,
  kInvalidUtf8,
  kMissingGenericThing,
  kNotAnObject,
  kNullReading,
  kReadingsNotAList,
  kTruncated,
};

const char* const kDefectNames[kMalformedKinds] = {
    "data-not-a-map", "deeply-nested", "invalid-utf8",        "missing-genericThing",
    "not-an-object",  "null-reading",  "readings-not-a-list", "truncated",
};

// Nesting far beyond what the engine parses (JSON depth 64).
constexpr int kDeepNesting = 2000;

// Where readings sit when the prototype gives a type no limits.
struct Band {
  double lo, hi;
};
Band default_band(std::string_view type) {
  if (type == "humidity") return {35, 45};
  if (type == "pressure") return {95, 101};
  return {65, 75};  // degrees F
}

double parsed(const std::string& text) {
  return std::strtod(text.c_str(), nullptr);
}

}  // namespace

const char* malformed_kind_name(int kind) {
  return kind >= 0 && kind < kMalformedKinds ? kDefectNames[kind] : "none";
}

SensorModel model_of(const std::string& prototype) {
  return prototype == "esproto-msa" ? SensorModel::kMsa : SensorModel::kTemp;
}

SensorSim::SensorSim(const Profile& profile, SensorModel model, DeviceTraits traits, int index,
                     std::uint64_t seed)
    : model_(model),
      traits_(traits),
      heartbeat_seconds_(static_cast<int>(std::lround(profile.heartbeat_interval_seconds))),
      low_battery_percent_(profile.low_battery_percent),
      rng_(seed * 0x9E3779B97F4A7C15ULL +
           static_cast<std::uint64_t>(index) * 0xBF58476D1CE4E5B9ULL + 1) {
  char guid[16];
  std::snprintf(guid, sizeof guid, "5CCF7F%06X", static_cast<unsigned>(index) & 0xFFFFFFu);
  emitter_ = guid;
  auto add = [&](const char* type, const char* name, const char* suffix, bool hot) {
    readings_.push_back({type, name, suffix, make_walk(type, profile, hot)});
  };
  if (model_ == SensorModel::kMsa) {
    add("temperature", "probe temp", ".1.1", traits_.hot);
    add("temperature", "enclosure temp", ".1.2", traits_.hot);
    add("humidity", "enclosure humidity", ".1.3", false);
    add("pressure", "barometric pressure", ".1.4", false);
  } else {
    add("temperature", "enclosure temperature", ".1.1", traits_.hot);
  }

  // The battery: a normal device stays at least 5 points above the router's
  // level, a low one at least 1 point under it.
  std::uniform_real_distribution<double> u(0, 1);
  const double low = low_battery_percent_;
  if (traits_.low_battery) {
    const double top = std::max(0.5, low - 1);
    const double bottom = std::max(0.5, low - 15);
    health_ = bottom + (top - bottom) * u(rng_);
    health_floor_ = std::min(0.5, health_);
  } else {
    const double bottom = std::min(100.0, std::max(low + 20, 40.0));
    health_ = bottom + (100 - bottom) * u(rng_);
    health_floor_ = std::min(health_, low + 5);
  }
  drain_ = 0.005 + 0.015 * u(rng_);
}

SensorSim::Walk SensorSim::make_walk(std::string_view type, const Profile& profile, bool hot) {
  Walk w;
  auto it = profile.thresholds.find(std::string(type));
  Band band = default_band(type);
  if (it != profile.thresholds.end()) {
    const Limits& l = it->second;
    w.counts = l.upper.has_value() || l.lower.has_value();
    w.has_upper = l.upper.has_value();
    w.has_lower = l.lower.has_value();
    w.upper = l.upper.value_or(0);
    w.lower = l.lower.value_or(0);
    // Inside the limits with a margin, so two decimals never cross them.
    if (w.has_upper && w.has_lower) {
      const double margin = std::max(0.5, 0.1 * (w.upper - w.lower));
      band = {w.lower + margin, w.upper - margin};
      if (band.hi < band.lo) band.lo = band.hi = (w.lower + w.upper) / 2;
    } else if (w.has_upper) {
      band = {w.upper - 21, w.upper - 1};
    } else if (w.has_lower) {
      band = {w.lower + 1, w.lower + 21};
    }
    if (hot && w.has_upper) {
      const double margin = std::max(1.0, 0.1 * (band.hi - band.lo));
      band = {w.upper + margin, w.upper + margin + 10};
    }
  }
  w.lo = band.lo;
  w.hi = band.hi;
  std::uniform_real_distribution<double> u(w.lo, w.hi);
  w.value = u(rng_);
  return w;
}

void SensorSim::step(Walk* w) {
  const double size = (w->hi - w->lo) / 20;
  std::uniform_real_distribution<double> u(-size, size);
  double v = w->value + u(rng_);
  if (v > w->hi) v = w->hi - (v - w->hi);
  if (v < w->lo) v = w->lo + (w->lo - v);
  w->value = std::min(w->hi, std::max(w->lo, v));
}

bool SensorSim::roll(double fraction) {
  if (fraction <= 0) return false;
  std::uniform_real_distribution<double> u(0, 1);
  return u(rng_) < fraction;
}

std::string SensorSim::number(double v) const {
  char buf[40];
  std::snprintf(buf, sizeof buf, traits_.string_numbers ? "\"%.2f\"" : "%.2f", v);
  return buf;
}

std::string SensorSim::render(int defect, int* violations) const {
  if (defect == kNotAnObject) return "[1, 2, 3]\n";
  if (defect == kInvalidUtf8) return "{\"emitterGUID\": \"\xC3\x28\xA0\xA1\xFF\"}\n";
  if (defect == kDeeplyNested) {
    std::string deep;
    deep.reserve(kDeepNesting * 7);
    for (int i = 0; i < kDeepNesting; ++i) deep += "{\"a\":";
    deep += "1";
    deep.append(kDeepNesting, '}');
    return deep;
  }
  const bool msa = model_ == SensorModel::kMsa;
  int broken = 0;
  std::string b;
  b.reserve(2200);
  b += "{\"emitterGUID\":\"" + emitter_ +
       "\",\"eventDomain\":\"wovyn.emitter\",\"eventName\":\"sensorHeartbeat\",";
  if (defect != kMissingGenericThing) {
    b +=
        msa ? "\"genericThing\":{\"typeId\":\"2.1.1\",\"typeName\":\"generic.multi.sensor.array\","
            : "\"genericThing\":{\"typeId\":\"2.1.2\",\"typeName\":\"generic.simple.temperature\",";
    b += "\"healthPercent\":" + number(health_) +
         ",\"heartbeatSeconds\":" + std::to_string(heartbeat_seconds_) + ",\"data\":";
    if (defect == kDataNotAMap) {
      b += "\"temperature=" + std::to_string(static_cast<int>(readings_[0].walk.value)) + "\"";
    } else {
      b += "{";
      // Readings grouped by type, in the order the device has them.
      for (std::size_t i = 0; i < readings_.size();) {
        const std::string_view type = readings_[i].type;
        if (i > 0) b += ",";
        b += "\"";
        b += type;
        b += "\":";
        if (defect == kReadingsNotAList && type == "temperature") {
          // One reading where a list of them belongs.
          b += "{\"name\":\"";
          b += readings_[i].name;
          b += "\",\"temperatureF\":" + number(readings_[i].walk.value) + "}";
          while (i < readings_.size() && readings_[i].type == type) ++i;
          continue;
        }
        b += "[";
        for (bool first = true; i < readings_.size() && readings_[i].type == type; ++i) {
          const Reading& r = readings_[i];
          if (!first) b += ",";
          first = false;
          const std::string value = number(r.walk.value);
          b += "{\"name\":\"";
          b += r.name;
          b += "\",\"transducerGUID\":\"" + emitter_;
          b += r.guid_suffix;
          b += "\",\"units\":";
          if (type == "temperature") {
            b += "\"degrees\",\"temperatureF\":";
            b += defect == kNullReading ? "null" : value;
            b += ",\"temperatureC\":" + number((r.walk.value - 32) * 5 / 9);
          } else if (type == "humidity") {
            b += "\"percent\",\"humidity\":" + value;
          } else {
            b += "\"kPa\",\"pressure\":" + value;
          }
          b += "}";
          // esproto_device's check: strictly above upper or below lower.
          const double v = parsed(traits_.string_numbers ? value.substr(1) : value);
          const Walk& w = r.walk;
          if (w.counts && ((w.has_upper && v > w.upper) || (w.has_lower && v < w.lower))) ++broken;
        }
        b += "]";
      }
      b += "}";
    }
    b += "},";
  }
  b += msa ? "\"property\":{\"name\":\"Wovyn_MSA_" + emitter_.substr(6) +
                 "\",\"description\":\"Wovyn ESProto Multi-Sensor Array\","
           : "\"property\":{\"name\":\"Wovyn_" + emitter_.substr(6) +
                 "\",\"description\":\"Wovyn ESProto Temperature Sensor\",";
  b += "\"location\":{\"description\":\"Simulated\",\"imageURL\":\"\",\"latitude\":\"40.2502\","
       "\"longitude\":\"-111.6493\"}},";
  b += msa ? "\"specificThing\":{\"make\":\"Wovyn ESProto\",\"model\":\"MSA-15266\","
             "\"typeId\":\"1.1.2.3.15266\",\"typeName\":\"enterprise.wovyn.esproto.msa.15266\","
             "\"thingGUID\":\"" +
                 emitter_ + ".1\",\"firmwareVersion\":\"Wovyn-MSA-1.09\","
           : "\"specificThing\":{\"make\":\"Wovyn ESProto\",\"model\":\"Temp-2000\","
             "\"typeId\":\"1.1.2.2.2000\",\"typeName\":\"enterprise.wovyn.esproto.wtemp.2000\","
             "\"thingGUID\":\"" +
                 emitter_ + ".1\",\"firmwareVersion\":\"Wovyn-WTEMP2000-1.14\",";
  char battery[160];
  std::snprintf(battery, sizeof battery,
                "\"battery\":{\"maximumVoltage\":3.6,\"minimumVoltage\":2.7,"
                "\"currentVoltage\":%.2f}}}",
                2.7 + 0.9 * health_ / 100);
  b += battery;
  if (defect == kTruncated) b.resize(b.size() / 2);
  if (violations) *violations = broken;
  return b;
}

Heartbeat SensorSim::next_good() {
  for (auto& r : readings_) step(&r.walk);
  health_ = std::max(health_floor_, health_ - drain_);
  Heartbeat h;
  h.body = render(kNone, &h.violations);
  for (const auto& r : readings_) h.temperatures += r.type == "temperature" ? 1 : 0;
  // As sent: two decimals.
  h.health = std::round(health_ * 100) / 100;
  h.low_battery = h.health < low_battery_percent_;
  return h;
}

Heartbeat SensorSim::next_malformed() {
  std::uniform_int_distribution<int> kind(0, kMalformedKinds - 1);
  Heartbeat h;
  h.malformed_kind = kind(rng_);
  h.body = render(h.malformed_kind, nullptr);
  h.health = health_;
  return h;
}

}  // namespace spime::devices
