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
// deadline (parallel.h), the polls have one too, the listing of the owner's
// children goes by pages (children_pages.h), and requests go out over at
// most --connections connections at once.
//
// Scale (up to kMaxDevices, a million): the devices are kept in a
// DeviceTable (about 120 bytes each); with --fleet-file (fleet_file.h) the
// devices the file holds are taken from it: no listing of the owner's
// children unless a device is missing from it or there are collections,
// and only a sample of them (kFleetFileSample, spread over the file) has its
// thresholds checked. The file is written when the set-up learned devices
// it did not hold (also when it stops on an error: the devices known from
// the first on). Without --owner, the owner the file names is taken when
// it answers here: finding it through the root lists every channel of the
// root, one per child. Made devices are reported on stderr per 10,000
// (progress.h: SetupProgress), as is a listing of more than one page.
//
// Engine calls used (the owner's channel allows every event and query on
// its pico; a child's family ECI is its parent's to use, so the owner asks
// children through wrangler:picoQuery):
//   GET  /api/ui-context, /api/prototypes/<name>
//   io.picolabs.pico-engine-ui/pico (the root's channels, to find the
//     owner's "system","self" channel from the UI ECI)
//   io.picolabs.wrangler/childrenPage (or children), installedRIDs, picoQuery(channels)
//   wrangler:new_child_request {name, prototype}, wrangler:install_ruleset_request
//   spimes:add_to_collection / remove_from_collection {collection, member}
//   esproto_device/thresholds, spimes_collection/status
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "channels/client/http_client.h"
#include "devices/device_table.h"
#include "devices/engine_calls.h"
#include "devices/prototype_profile.h"
#include "devices/simulate.h"

namespace spime::devices {

constexpr const char* kCollectionPrototype = "collection";
constexpr const char* kSpimesRid = "spimes";
constexpr const char* kCollectionRid = "spimes_collection";

// Devices read from a fleet file whose thresholds the set-up checks.
constexpr int kFleetFileSample = 32;

// sim-device-0001 (index 0) ... sim-device-9999, sim-device-10000 ... (no
// padding past four digits); sim-collection-01 (index 0) ...
std::string device_name(int index);
std::string collection_name(int index);
// The index of a device name as device_name writes it, or -1.
int device_index(const std::string& name);
// The collection device `index` joins: index mod K.
inline int collection_of(int device_index, int collections) {
  return device_index % collections;
}

// A collection pico (a device is a row of Fleet::devices).
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
  DeviceTable devices;         // channel columns: the device prototype's channels
  std::vector<PicoRef> collections;
  int devices_created = 0;
  int devices_from_file = 0;  // taken from --fleet-file
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
  // A query of device `d`'s ruleset, the same way.
  Reply device_query(EngineCalls& calls, int d, const std::string& rid, const std::string& function,
                     const json& args = json::object()) const;
};

// Sets the fleet up; returns kSimulateOk, or kSimulateFailed /
// kSimulateUnreachable with a one-line reason in *error.
int set_up_fleet(const SimulateOptions& options, const client::Url& url, Fleet* fleet,
                 std::string* error);

}  // namespace spime::devices
