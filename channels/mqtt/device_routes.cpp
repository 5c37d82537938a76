#include "channels/mqtt/device_routes.h"

#include <algorithm>

namespace spime::mqtt {

std::vector<std::string> device_filters(const krl::Value& prototypes) {
  std::vector<std::string> out;
  if (!prototypes.is_array()) return out;
  for (const krl::Value& p : prototypes.as_array()) {
    const krl::Value* mqtt = p.is_map() ? p.as_map().find("mqtt") : nullptr;
    const krl::Value* topics = mqtt && mqtt->is_map() ? mqtt->as_map().find("topics") : nullptr;
    if (!topics || !topics->is_array()) continue;
    for (const krl::Value& t : topics->as_array()) {
      const krl::Value* f = t.is_map() ? t.as_map().find("filter") : nullptr;
      if (!f || !f->is_string()) continue;
      if (std::find(out.begin(), out.end(), f->as_string()) == out.end()) {
        out.push_back(f->as_string());
      }
    }
  }
  return out;
}

std::optional<api::DeviceRoute> DeviceRoutes::find(const std::string& topic) const {
  MutexLock lock(mu_);
  auto it = routes_.find(topic);
  if (it == routes_.end()) return std::nullopt;
  return it->second;
}

void DeviceRoutes::remember(const std::string& topic, const api::DeviceRoute& route) {
  MutexLock lock(mu_);
  if (routes_.size() >= kMaxRoutes && routes_.find(topic) == routes_.end()) routes_.clear();
  routes_[topic] = route;
}

void DeviceRoutes::forget(const std::string& topic) {
  MutexLock lock(mu_);
  routes_.erase(topic);
}

}  // namespace spime::mqtt
