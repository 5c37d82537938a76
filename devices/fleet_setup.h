// The fleet's set-up: the owner pico, the prototypes, the device and
// collection picos (made or found by name), the spimes ruleset on the owner
// and each device's membership of its collection.
//
// Idempotent: a pico that exists by name is reused (its channels found by
// the tags of its prototype's channels, its thresholds checked against the
// prototype's), a membership that exists is kept, a device found in another
// sim-collection than its own is taken out of it (spimes:
// remove_from_collection), so a second run with the same options sends no
// new_child_request and no add_to_collection. Bounded: each request has a
// deadline (parallel.h), the polls have one too, and requests go out over
// at most --connections connections at once.
//
// Engine calls used (the owner's channel allows every event and query on
// its pico; a child's family ECI is its parent's to use, so the owner asks
// children through wrangler:picoQuery):
//   GET  /api/ui-context, /api/prototypes/<name>
//   io.picolabs.pico-engine-ui/pico (the root's channels, to find the
//     owner's "system","self" channel from the UI ECI)
//   io.picolabs.wrangler/children, installedRIDs, picoQuery(channels)
//   wrangler:new_child_request {name, prototype}, wrangler:install_ruleset_request
//   spimes:add_to_collection / remove_from_collection {collection, member}
//   esproto_device/thresholds, spimes_collection/status
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "channels/client/http_client.h"
#include "devices/engine_calls.h"
#include "devices/prototype_profile.h"
#include "devices/simulate.h"

namespace spime::devices {

constexpr const char* kCollectionPrototype = "collection";
constexpr const char* kSpimesRid = "spimes";
constexpr const char* kCollectionRid = "spimes_collection";

// sim-device-0001 (index 0) ...; sim-collection-01 (index 0) ...
std::string device_name(int index);
std::string collection_name(int index);
// The collection device `index` joins: index mod K.
inline int collection_of(int device_index, int collections) {
  return device_index % collections;
}

struct PicoRef {
  PicoRef() = default;
  explicit PicoRef(std::string n) : name(std::move(n)) {}
  std::string name;
  std::string family_eci;                       // its parent's ECI for it
  std::map<std::string, std::string> channels;  // prototype channel name -> ECI
  bool created = false;                         // made by this run
  std::string channel(const std::string& name) const;
};

struct Fleet {
  std::string owner_eci;
  Profile device_profile;
  Profile collection_profile;  // when there are collections
  std::vector<PicoRef> devices;
  std::vector<PicoRef> collections;
  int devices_created = 0;
  int collections_created = 0;
  int memberships_added = 0;
  int memberships_moved = 0;      // taken out of another sim-collection
  bool spimes_installed = false;  // installed on the owner by this run
  double seconds = 0;

  // A query of spimes_collection (or any rid) on collection `c`: on its
  // own channel when the prototype has one that admits it, else through
  // the owner (picoQuery).
  Reply collection_query(EngineCalls& calls, const PicoRef& c, const std::string& function,
                         const json& args = json::object()) const;
  // A query of a device's ruleset, the same way.
  Reply device_query(EngineCalls& calls, const PicoRef& d, const std::string& rid,
                     const std::string& function, const json& args = json::object()) const;
};

// Sets the fleet up; returns kSimulateOk, or kSimulateFailed /
// kSimulateUnreachable with a one-line reason in *error.
int set_up_fleet(const SimulateOptions& options, const client::Url& url, Fleet* fleet,
                 std::string* error);

}  // namespace spime::devices
