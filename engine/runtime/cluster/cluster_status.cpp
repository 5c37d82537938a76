#include "engine/runtime/cluster/cluster_status.h"

#include <map>

namespace spime::runtime {

using krl::Array;
using krl::Map;
using krl::Value;

krl::Value cluster_status(const cluster::Membership& membership) {
  const cluster::SlotTable& table = membership.table();
  const cluster::MembershipOptions& o = membership.options();
  const std::map<std::string, std::size_t> owned = table.owner_counts();
  std::map<std::string, std::string> urls;
  for (const std::string& n : table.live_nodes()) urls[n] = table.advertise_url(n);
  for (const auto& [name, count] : owned) urls.emplace(name, "");
  Array nodes;
  for (const auto& [name, url] : urls) {
    const auto it = owned.find(name);
    const std::size_t slots = it == owned.end() ? 0 : it->second;
    nodes.push_back(Value(Map{{"name", Value(name)},
                              {"url", Value(url)},
                              {"live", Value(!url.empty())},
                              {"slots", Value(static_cast<double>(slots))}}));
  }
  const auto mine = owned.find(o.node);
  return Value(Map{
      {"cluster", Value(o.cluster)},
      {"node", Value(o.node)},
      {"advertise", Value(o.advertise)},
      {"fence", Value(table.fence_open(cluster::boot_clock_ns()) ? "open" : "closed")},
      {"revision", Value(static_cast<double>(table.revision()))},
      {"rejoins", Value(static_cast<double>(membership.rejoins()))},
      {"slots", Value(static_cast<double>(mine == owned.end() ? 0 : mine->second))},
      {"nodes", Value(std::move(nodes))},
  });
}

}  // namespace spime::runtime
