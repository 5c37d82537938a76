#include "devices/fleet_setup.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "devices/children_pages.h"
#include "devices/fleet_file.h"
#include "devices/parallel.h"
#include "devices/progress.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kWrangler = "io.picolabs.wrangler";
constexpr const char* kEngineUi = "io.picolabs.pico-engine-ui";
constexpr const char* kDevicePrefix = "sim-device-";
constexpr const char* kCollectionPrefix = "sim-collection-";
constexpr auto kPollPause = std::chrono::milliseconds(200);

int refused(const Reply& r, const std::string& doing, std::string* error) {
  *error = doing + ": " + r.describe();
  return r.answered() ? kSimulateFailed : kSimulateUnreachable;
}

// Collects the first error of parallel tasks.
class FirstError {
 public:
  void set(int code, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (code_ != kSimulateOk) return;
    code_ = code;
    message_ = message;
  }
  int code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  std::mutex mu_;
  int code_ = kSimulateOk;
  std::string message_;
};

// The owner's channel: --owner, else the owner --fleet-file names when it
// answers as a pico with a wrangler here, else the root's "system","self"
// channel, found through the ECI /api/ui-context names (the root's engine
// UI channel, whose `pico` query lists the root's channels, one per child
// of the root: 19 s and 31 MB at 100,000 children, which a fleet file or
// --owner spares; an engine without the UI ruleset names the owner's
// channel there itself).
int find_owner(EngineCalls& calls, const SimulateOptions& o, std::string* owner,
               std::string* error) {
  if (o.owner.empty() && !o.fleet_file.empty()) {
    const std::string known = fleet_file_owner(o.fleet_file);
    if (!known.empty()) {
      Reply rids = calls.query(known, kWrangler, "installedRIDs");
      if (rids.ok() && rids.body.is_array()) {
        *owner = known;
        return kSimulateOk;
      }
    }
  }
  if (o.owner.empty()) {
    Reply ctx = calls.get("/api/ui-context");
    if (!ctx.ok() || !ctx.body.value("eci", json()).is_string())
      return refused(ctx, "finding the owner pico", error);
    const std::string ui_eci = ctx.body.at("eci").get<std::string>();
    *owner = ui_eci;
    Reply pico = calls.query(ui_eci, kEngineUi, "pico");
    if (pico.ok() && pico.body.is_object()) {
      for (const auto& c : pico.body.value("channels", json::array())) {
        if (c.is_object() &&
            normal_tags(c.value("tags", json())) == std::vector<std::string>{"self", "system"} &&
            c.value("id", json()).is_string()) {
          *owner = c.at("id").get<std::string>();
        }
      }
    }
  } else {
    *owner = o.owner;
  }
  Reply rids = calls.query(*owner, kWrangler, "installedRIDs");
  if (!rids.ok() || !rids.body.is_array())
    return refused(rids, "the owner pico (" + *owner + ") does not answer its wrangler", error);
  return kSimulateOk;
}

int read_prototype(EngineCalls& calls, const std::string& name, Profile* out, std::string* error) {
  Reply r = calls.get("/api/prototypes/" + name);
  if (!r.ok()) return refused(r, "reading the prototype " + name, error);
  std::string why;
  if (!read_profile(r.body, out, &why)) {
    *error = "the prototype " + name + ": " + why;
    return kSimulateFailed;
  }
  return kSimulateOk;
}

// What the set-up learns of a child: its family ECI and its channels by
// the prototype's channel names.
struct Learned {
  std::string family_eci;
  std::map<std::string, std::string> channels;
};

// A reused child's channels: each of its prototype's channels is the
// child's channel with the same tags.
int find_channels(EngineCalls& calls, const std::string& owner, const Profile& profile,
                  const std::string& name, Learned* child, std::string* error) {
  Reply r = calls.child_query(owner, child->family_eci, kWrangler, "channels");
  if (!r.ok() || !r.body.is_array()) return refused(r, "the channels of " + name, error);
  for (const auto& shape : profile.channels) {
    for (const auto& c : r.body) {
      if (c.is_object() && c.value("id", json()).is_string() &&
          normal_tags(c.value("tags", json())) == shape.tags) {
        child->channels[shape.name] = c.at("id").get<std::string>();
        break;
      }
    }
  }
  return kSimulateOk;
}

// wrangler:new_child_request {name, prototype}; the new_child directive
// names its channels.
int create_child(EngineCalls& calls, const std::string& owner, const std::string& prototype,
                 const std::string& name, Learned* child, std::string* error) {
  Reply r = calls.event(owner, "wrangler", "new_child_request",
                        {{"name", name}, {"prototype", prototype}});
  if (!r.ok()) return refused(r, "making " + name + " from " + prototype, error);
  for (const auto& d : r.body.value("directives", json::array())) {
    if (!d.is_object() || d.value("name", json()) != "new_child") continue;
    const json options = d.value("options", json::object());
    if (options.value("eci", json()).is_string())
      child->family_eci = options.at("eci").get<std::string>();
    const json channels = options.value("channels", json::object());
    for (const auto& [channel, eci] : channels.items()) {
      if (eci.is_string()) child->channels[channel] = eci.get<std::string>();
    }
    return kSimulateOk;
  }
  *error = "making " + name + ": no new_child directive in " + r.text.substr(0, 300);
  return kSimulateFailed;
}

// Finds (family ECI known) or makes one child.
int make_or_find_one(EngineCalls& calls, const std::string& owner, const Profile& profile,
                     const std::string& name, Learned* child, bool* created, std::string* error) {
  *created = child->family_eci.empty();
  if (*created) return create_child(calls, owner, profile.name, name, child, error);
  return find_channels(calls, owner, profile, name, child, error);
}

bool same_limit(const json& answered, const std::optional<double>& expected) {
  if (!expected) return answered.is_null();
  return answered.is_number() && std::fabs(answered.get<double>() - *expected) < 1e-9;
}

// A reused device must have its prototype's thresholds: the check counts on them.
int check_thresholds(EngineCalls& calls, const Fleet& fleet, int d, std::string* error) {
  Reply r = fleet.device_query(calls, d, "esproto_device", "thresholds");
  if (!r.ok()) return refused(r, "the thresholds of " + device_name(d), error);
  for (const auto& [type, limits] : fleet.device_profile.thresholds) {
    const json t = r.body.is_object() ? r.body.value(type, json()) : json();
    if (!t.is_object() || !same_limit(t.value("upper_limit", json()), limits.upper) ||
        !same_limit(t.value("lower_limit", json()), limits.lower)) {
      *error = device_name(d) + " exists but its thresholds (" + r.text.substr(0, 200) +
               ") are not those of the prototype " + fleet.device_profile.name +
               ": delete it, or make the fleet under another --owner";
      return kSimulateFailed;
    }
  }
  return kSimulateOk;
}

// Makes or finds the collections named in `refs` (in parallel); those in
// `listed` (name -> family ECI) exist.
int make_or_find_collections(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                             const std::map<std::string, std::string>& listed,
                             std::vector<PicoRef>* refs, std::string* error) {
  FirstError first;
  run_parallel(url, o, refs->size(), [&](std::size_t i, EngineCalls& calls) {
    PicoRef& p = (*refs)[i];
    Learned child;
    if (auto found = listed.find(p.name); found != listed.end()) child.family_eci = found->second;
    std::string why;
    const int code = make_or_find_one(calls, fleet.owner_eci, fleet.collection_profile, p.name,
                                      &child, &p.created, &why);
    p.family_eci = child.family_eci;
    p.channels = std::move(child.channels);
    if (code != kSimulateOk) first.set(code, why);
    return code == kSimulateOk;
  });
  *error = first.message();
  return first.code();
}

// Makes or finds devices [from, size) of the table (in parallel); a device
// whose family ECI is known exists. Reports each made one to `progress`.
int make_or_find_devices(const SimulateOptions& o, const client::Url& url, Fleet* fleet, int from,
                         SetupProgress* progress, std::string* error) {
  DeviceTable& table = fleet->devices;
  const std::vector<std::string>& columns = table.channel_names();
  FirstError first;
  const std::size_t n = static_cast<std::size_t>(table.size() - from);
  run_parallel(url, o, n, [&](std::size_t i, EngineCalls& calls) {
    const int d = from + static_cast<int>(i);
    Learned child;
    child.family_eci = std::string(table.family_eci(d));
    std::string why;
    bool created = false;
    const int code = make_or_find_one(calls, fleet->owner_eci, fleet->device_profile,
                                      device_name(d), &child, &created, &why);
    if (code != kSimulateOk) {
      first.set(code, why);
      return false;
    }
    std::vector<std::string_view> ecis;
    ecis.reserve(columns.size());
    for (const auto& c : columns) {
      auto it = child.channels.find(c);
      ecis.emplace_back(it == child.channels.end() ? std::string_view() : it->second);
    }
    table.set(d, child.family_eci, ecis);
    if (created) {
      table.mark_created(d);
      progress->created_one();
    }
    return true;
  });
  *error = first.message();
  return first.code();
}

int ensure_spimes(EngineCalls& calls, const SimulateOptions& o, Fleet* fleet, std::string* error) {
  auto installed = [&](bool* yes) {
    Reply r = calls.query(fleet->owner_eci, kWrangler, "installedRIDs");
    if (!r.ok() || !r.body.is_array()) return refused(r, "the owner's rulesets", error);
    *yes = false;
    for (const auto& rid : r.body) *yes = *yes || rid == kSpimesRid;
    return kSimulateOk;
  };
  bool yes = false;
  if (int code = installed(&yes); code != kSimulateOk || yes) return code;
  std::string url = o.spimes_url;
  if (url.empty()) {
    // spimes.krl beside the rulesets the engine made the devices' prototype from.
    for (const auto& u : fleet->device_profile.ruleset_urls) {
      const auto slash = u.rfind('/');
      if (slash != std::string::npos) {
        url = u.substr(0, slash) + "/spimes.krl";
        break;
      }
    }
  }
  if (url.empty()) {
    *error = "the owner has no spimes ruleset and none could be located: pass --spimes-url";
    return kSimulateFailed;
  }
  Reply r = calls.event(fleet->owner_eci, "wrangler", "install_ruleset_request", {{"url", url}});
  if (!r.ok()) {
    int code = refused(r, "installing the spimes ruleset on the owner from " + url, error);
    *error += " (collections need it; --collections 0 runs without them)";
    return code;
  }
  if (int code = installed(&yes); code != kSimulateOk) return code;
  if (!yes) {
    *error = "installing " + url + " on the owner did not install the ruleset spimes";
    return kSimulateFailed;
  }
  fleet->spimes_installed = true;
  return kSimulateOk;
}

// The member names of each collection (spimes_collection/members: what the
// collection recorded, no member asked), and why not for those that do not
// answer it (a collection may have its spimes_collection only once it has
// members). kSimulateUnreachable when the engine does not answer at all.
int member_lists(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                 const std::vector<PicoRef>& collections,
                 std::vector<std::set<std::string>>* members, std::vector<std::string>* errors) {
  members->assign(collections.size(), {});
  errors->assign(collections.size(), "");
  std::atomic<bool> unreachable{false};
  run_parallel(url, o, collections.size(), [&](std::size_t i, EngineCalls& calls) {
    Reply r = fleet.collection_query(calls, collections[i], "members");
    if (!r.ok() || !(r.body.is_array() || r.body.is_object())) {
      (*errors)[i] = "the members of " + collections[i].name + ": " + r.describe();
      if (!r.answered()) unreachable.store(true);
      return r.answered();
    }
    for (const auto& m : r.body) {
      if (m.is_object() && m.value("name", json()).is_string())
        (*members)[i].insert(m.at("name").get<std::string>());
    }
    return true;
  });
  return unreachable.load() ? kSimulateUnreachable : kSimulateOk;
}

// Each device in its collection and in no other sim-collection.
int set_memberships(const SimulateOptions& o, const client::Url& url, Fleet* fleet,
                    const std::vector<PicoRef>& all_collections, std::string* error) {
  const int k = static_cast<int>(fleet->collections.size());
  std::vector<std::set<std::string>> members;
  std::vector<std::string> errors;
  if (member_lists(o, url, *fleet, all_collections, &members, &errors) != kSimulateOk) {
    *error = "the engine stopped answering: " + errors.front();
    return kSimulateUnreachable;
  }
  // By family eci: the spimes ruleset finds a child by its eci at once, by its name only by
  // asking every child.
  struct Change {
    const char* type;
    const PicoRef* collection;
    int member;  // a device
  };
  std::vector<Change> changes;
  for (int i = 0; i < fleet->devices.size(); ++i) {
    const std::string name = device_name(i);
    const int mine = collection_of(i, k);
    if (!members[mine].count(name)) {
      changes.push_back({"add_to_collection", &all_collections[mine], i});
      ++fleet->memberships_added;
    }
    for (std::size_t c = 0; c < all_collections.size(); ++c) {
      if (static_cast<int>(c) != mine && members[c].count(name)) {
        changes.push_back({"remove_from_collection", &all_collections[c], i});
        ++fleet->memberships_moved;
      }
    }
  }
  FirstError first;
  run_parallel(url, o, changes.size(), [&](std::size_t i, EngineCalls& calls) {
    const Change& c = changes[i];
    Reply r = calls.event(fleet->owner_eci, kSpimesRid, c.type,
                          {{"collection", c.collection->family_eci},
                           {"member", std::string(fleet->devices.family_eci(c.member))}});
    if (r.ok()) return true;
    std::string why;
    first.set(refused(r,
                      std::string("spimes:") + c.type + " " + device_name(c.member) + " " +
                          c.collection->name,
                      &why),
              why);
    return false;
  });
  if (first.code() != kSimulateOk) {
    *error = first.message();
    return first.code();
  }
  // The member lists show the memberships once the picos have done their part.
  // Memberships may be made by events between picos after add_to_collection answers.
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.settle_seconds));
  for (bool first_look = true;; first_look = false) {
    if (!first_look || !changes.empty()) {
      if (member_lists(o, url, *fleet, all_collections, &members, &errors) != kSimulateOk) {
        *error = "the engine stopped answering: " + errors.front();
        return kSimulateUnreachable;
      }
    }
    int wrong = 0;
    std::string example;
    for (int c = 0; c < k; ++c) {
      if (!errors[c].empty()) {
        ++wrong;
        if (example.empty()) example = errors[c];
      }
    }
    for (int i = 0; i < fleet->devices.size(); ++i) {
      const std::string name = device_name(i);
      const int mine = collection_of(i, k);
      for (std::size_t c = 0; c < all_collections.size(); ++c) {
        if ((static_cast<int>(c) == mine) != (members[c].count(name) > 0)) {
          ++wrong;
          if (example.empty()) example = name + " in " + all_collections[c].name;
        }
      }
    }
    if (wrong == 0) return kSimulateOk;
    if (Clock::now() >= deadline) {
      *error = std::to_string(wrong) + " memberships or member lists still wrong " +
               std::to_string(static_cast<int>(o.settle_seconds)) +
               " s after spimes:add_to_collection (e.g. " + example + ")";
      return kSimulateFailed;
    }
    std::this_thread::sleep_for(kPollPause);
  }
}

// N for "sim-collection-N" (digits only), else 0.
int collection_number(const std::string& name) {
  const std::size_t n = std::char_traits<char>::length(kCollectionPrefix);
  if (name.compare(0, n, kCollectionPrefix) != 0 || name.size() == n || name.size() > n + 6 ||
      name.find_first_not_of("0123456789", n) != std::string::npos)
    return 0;
  return std::stoi(name.substr(n));
}

// Every device has a transducer channel; a reused device has the
// prototype's thresholds: each one found by name, and a sample of those
// read from the fleet file (devices [0, from_file)), spread over it.
int check_devices(const SimulateOptions& o, const client::Url& url, const Fleet& fleet,
                  int from_file, std::string* error) {
  const DeviceTable& table = fleet.devices;
  const int transducer = table.column("transducer");
  std::vector<int> to_check;
  const int sample = std::min(from_file, kFleetFileSample);
  for (int k = 0; k < sample; ++k)
    to_check.push_back(
        sample == 1 ? 0 : static_cast<int>(static_cast<long>(k) * (from_file - 1) / (sample - 1)));
  for (int d = 0; d < table.size(); ++d) {
    if (table.channel(d, transducer).empty()) {
      *error = device_name(d) + " has no transducer channel (is it made from " + o.prototype +
               "?)" + (d < from_file ? " (read from --fleet-file)" : "");
      return kSimulateFailed;
    }
    if (d >= from_file && !table.created(d)) to_check.push_back(d);
  }
  FirstError first;
  run_parallel(url, o, to_check.size(), [&](std::size_t i, EngineCalls& c) {
    std::string why;
    const int d = to_check[i];
    const int code = check_thresholds(c, fleet, d, &why);
    if (code != kSimulateOk)
      first.set(code, why + (d < from_file ? " (read from --fleet-file)" : ""));
    return code == kSimulateOk;
  });
  *error = first.message();
  return first.code();
}

// After a set-up that stopped part way: the devices known from the first
// on (family ECI and transducer) go to the fleet file when it held fewer,
// so the next run does not look for them again. Best effort.
void keep_known_prefix(const SimulateOptions& o, const Fleet& fleet, long in_file) {
  if (o.fleet_file.empty()) return;
  const DeviceTable& table = fleet.devices;
  const int transducer = table.column("transducer");
  int known = 0;
  while (known < table.size() && !table.family_eci(known).empty() &&
         !table.channel(known, transducer).empty())
    ++known;
  std::string why;
  if (known > in_file &&
      write_fleet_file(o.fleet_file, fleet.owner_eci, o.prototype, table, &why, known))
    std::fprintf(stderr, "setup: stopped; wrote the first %d devices to %s\n", known,
                 o.fleet_file.c_str());
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

std::string device_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%04d", kDevicePrefix, index + 1);
  return buf;
}

std::string collection_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%02d", kCollectionPrefix, index + 1);
  return buf;
}

int device_index(const std::string& name) {
  const std::size_t n = std::char_traits<char>::length(kDevicePrefix);
  if (name.size() <= n || name.size() > n + 9 || name.compare(0, n, kDevicePrefix) != 0 ||
      name.find_first_not_of("0123456789", n) != std::string::npos)
    return -1;
  const int number = std::stoi(name.substr(n));
  // Only the spelling device_name gives it (not sim-device-01 for sim-device-0001).
  return number >= 1 && device_name(number - 1) == name ? number - 1 : -1;
}

std::string PicoRef::channel(const std::string& name) const {
  auto it = channels.find(name);
  return it == channels.end() ? "" : it->second;
}

Reply Fleet::collection_query(EngineCalls& calls, const PicoRef& c, const std::string& function,
                              const json& args) const {
  const std::string eci =
      c.channel(channel_for_query(collection_profile, kCollectionRid, function));
  if (!eci.empty()) return calls.query(eci, kCollectionRid, function, args);
  return calls.child_query(owner_eci, c.family_eci, kCollectionRid, function, args);
}

Reply Fleet::device_query(EngineCalls& calls, int d, const std::string& rid,
                          const std::string& function, const json& args) const {
  const std::string eci(devices.channel(d, channel_for_query(device_profile, rid, function)));
  if (!eci.empty()) return calls.query(eci, rid, function, args);
  return calls.child_query(owner_eci, std::string(devices.family_eci(d)), rid, function, args);
}

int set_up_fleet(const SimulateOptions& o, const client::Url& url, Fleet* fleet,
                 std::string* error) {
  const auto start = Clock::now();
  client::HttpClient client(url, setup_client_options(o));
  EngineCalls calls(&client);

  if (int code = find_owner(calls, o, &fleet->owner_eci, error); code != kSimulateOk) return code;
  if (int code = read_prototype(calls, o.prototype, &fleet->device_profile, error);
      code != kSimulateOk)
    return code;
  if (!find_channel(fleet->device_profile, "transducer")) {
    *error = "the prototype " + o.prototype + " has no channel named transducer";
    return kSimulateFailed;
  }
  const auto temperature = fleet->device_profile.thresholds.find("temperature");
  if (o.hot_fraction > 0 &&
      (temperature == fleet->device_profile.thresholds.end() || !temperature->second.upper)) {
    *error = "--hot-fraction: the prototype " + o.prototype + " sets no upper temperature limit";
    return kSimulateFailed;
  }
  if (o.low_battery_fraction > 0 && fleet->device_profile.low_battery_percent <= 1) {
    *error = "--low-battery-fraction: the router's low_battery_percent leaves no room under it";
    return kSimulateFailed;
  }
  if (o.collections > 0) {
    if (int code = read_prototype(calls, kCollectionPrototype, &fleet->collection_profile, error);
        code != kSimulateOk)
      return code;
  }

  // The devices from the fleet file, then by name among the owner's children.
  std::vector<std::string> columns;
  for (const auto& c : fleet->device_profile.channels) columns.push_back(c.name);
  fleet->devices.reset(o.count, columns);
  FleetFileRead file;
  if (!o.fleet_file.empty()) {
    const auto reading = Clock::now();
    if (!read_fleet_file(o.fleet_file, fleet->owner_eci, o.prototype, &fleet->devices, &file,
                         error))
      return kSimulateFailed;
    fleet->devices_from_file = file.read;
    if (file.exists)
      std::fprintf(stderr, "setup: read %d of %ld devices from %s in %.2f s\n", file.read,
                   file.devices, o.fleet_file.c_str(), seconds_since(reading));
  }
  std::map<std::string, std::string> listed;  // sim-collection-* -> its family ECI
  if (o.collections > 0 || file.read < o.count) {
    ChildListing listing;
    auto each = [&](const std::string& name, const std::string& eci) {
      const int d = device_index(name);
      if (d >= 0) {
        // The oldest of a name, as the wrangler's child_deletion_request takes it.
        if (d >= file.read && d < o.count && fleet->devices.family_eci(d).empty())
          fleet->devices.set_family(d, eci);
      } else if (collection_number(name) > 0) {
        listed.emplace(name, eci);
      }
    };
    if (int code = list_children(calls, fleet->owner_eci, each, &listing, error);
        code != kSimulateOk)
      return code;
    if (listing.pages > 1)
      std::fprintf(stderr, "setup: listed %ld children of the owner in %.2f s (%ld pages)\n",
                   listing.children, listing.seconds, listing.pages);
  }

  // Collections first: the spimes ruleset may look for them by name.
  std::vector<PicoRef> all_collections;
  if (o.collections > 0) {
    if (int code = ensure_spimes(calls, o, fleet, error); code != kSimulateOk) return code;
    for (int k = 0; k < o.collections; ++k) all_collections.emplace_back(collection_name(k));
    // Those of an earlier run with more collections: only to leave them.
    for (const auto& [name, eci] : listed) {
      if (collection_number(name) > o.collections) all_collections.emplace_back(name);
    }
    if (int code = make_or_find_collections(o, url, *fleet, listed, &all_collections, error);
        code != kSimulateOk)
      return code;
    fleet->collections.assign(all_collections.begin(), all_collections.begin() + o.collections);
    for (const auto& c : fleet->collections) fleet->collections_created += c.created ? 1 : 0;
  }

  SetupProgress progress;
  const int made = make_or_find_devices(o, url, fleet, file.read, &progress, error);
  progress.finish();
  fleet->devices_created = static_cast<int>(progress.created());
  if (made != kSimulateOk) {
    keep_known_prefix(o, *fleet, file.devices);
    return made;
  }
  if (int code = check_devices(o, url, *fleet, file.read, error); code != kSimulateOk) {
    if (file.read > 0 && error->find("(read from") != std::string::npos)
      *error += ": remove " + o.fleet_file + " to find the fleet again";
    return code;
  }

  if (o.collections > 0) {
    if (int code = set_memberships(o, url, fleet, all_collections, error); code != kSimulateOk)
      return code;
  }
  // The file learns the devices it did not hold (it keeps those past --count).
  if (!o.fleet_file.empty() && file.devices < o.count) {
    const auto writing = Clock::now();
    if (!write_fleet_file(o.fleet_file, fleet->owner_eci, o.prototype, fleet->devices, error))
      return kSimulateFailed;
    std::fprintf(stderr, "setup: wrote %d devices to %s in %.2f s\n", o.count, o.fleet_file.c_str(),
                 seconds_since(writing));
  }
  fleet->seconds = seconds_since(start);
  return kSimulateOk;
}

}  // namespace spime::devices
