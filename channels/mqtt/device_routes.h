// Device topics for the MQTT bridge: which filters the loaded prototypes ask
// it to subscribe, and DeviceRoutes, its cache of device topics the engine resolved
// (EngineApi::device_topic: sensors/kitchen/heartbeat -> the device's ECI,
// domain and type), one for all of the bridge's sessions, so a topic is asked
// of the engine once whichever session its messages arrive on.
//
// Bounded: at most kMaxRoutes topics; when full it is emptied (the engine is
// the source of truth, a miss costs one point read). A route is forgotten
// when its event is refused as not found (the device was deleted, perhaps
// made again under the same name).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"

namespace spime::mqtt {

// The filters of every loaded prototype's mqtt.topics, each once, from the
// prototypes as EngineApi::prototypes answers them (prototype_value.h's
// "mqtt": {"topics": [{"filter"}]}). Anything else in the value is skipped.
std::vector<std::string> device_filters(const krl::Value& prototypes);

class DeviceRoutes {
 public:
  static constexpr std::size_t kMaxRoutes = 10000;

  std::optional<api::DeviceRoute> find(const std::string& topic) const;
  void remember(const std::string& topic, const api::DeviceRoute& route);
  void forget(const std::string& topic);

 private:
  mutable Mutex mu_;
  std::unordered_map<std::string, api::DeviceRoute> routes_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::mqtt
