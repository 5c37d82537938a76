#include "devices/provision.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "devices/fleet_api.h"

namespace spime::devices {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
// Children learn their name from an event sent after the parent's commit:
// poll the children list until every name shows up, this many times at most.
constexpr int kMaxNamePolls = 120;
constexpr auto kNamePollInterval = std::chrono::milliseconds(500);

const char kThresholdAttrs[] =
    R"({"threshold_type":"temperature","upper_limit":80,"lower_limit":60})";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// True when the device already answers with its temperature threshold.
bool already_configured(FleetApi& api, const std::string& eci) {
  nlohmann::json thresholds;
  if (!api.query(eci, "esproto_device", "thresholds", &thresholds).empty()) return false;
  if (!thresholds.is_object() || !thresholds.contains("temperature")) return false;
  nlohmann::json last;  // the router answers null until the first heartbeat
  return api.query(eci, "esproto_router", "lastHeartbeat", &last).empty();
}

std::string configure(FleetApi& api, const std::string& eci, const std::string& rulesets_dir) {
  for (const char* rid : {"esproto_router", "esproto_device"}) {
    nlohmann::json url = {{"url", "file://" + rulesets_dir + "/" + rid + ".krl"}};
    if (auto err = api.event(eci, "wrangler", "install_ruleset_request", url.dump(), nullptr);
        !err.empty())
      return err;
  }
  if (auto err = api.event(eci, "esproto", "new_threshold", kThresholdAttrs, nullptr); !err.empty())
    return err;
  nlohmann::json thresholds;
  if (auto err = api.query(eci, "esproto_device", "thresholds", &thresholds); !err.empty())
    return err;
  if (!thresholds.is_object() || !thresholds.contains("temperature"))
    return "thresholds not set after new_threshold: " + thresholds.dump();
  return {};
}

// The id of the channel tagged "fleet" among `channels` ("" when none).
std::string fleet_channel_of(const nlohmann::json& channels) {
  if (!channels.is_array()) return "";
  for (const auto& c : channels) {
    if (c.is_object() && c.value("tags", nlohmann::json()) == nlohmann::json::array({"fleet"}))
      return c.value("id", "");
  }
  return "";
}

// A child's family ECI is its parent's alone (as the reference), so the
// fleet reaches each device through a channel of its own, tagged "fleet",
// made through the child's engine UI channel (engine_ui:new_channel). It
// admits the device's events and queries, nothing else. The owner asks the
// child (wrangler:picoQuery, the owner being the family channel's owner).
std::string fleet_channel(FleetApi& api, const std::string& owner, const std::string& family,
                          std::string* eci) {
  auto ask = [&](const char* rid, const char* func, nlohmann::json* reply) {
    return api.query(owner, "io.picolabs.wrangler", "picoQuery",
                     {{"eci", family}, {"mod", rid}, {"func", func}}, reply);
  };
  nlohmann::json channels;
  if (auto err = ask("io.picolabs.wrangler", "channels", &channels); !err.empty()) return err;
  *eci = fleet_channel_of(channels);
  if (!eci->empty()) return {};
  nlohmann::json ui;
  if (auto err = ask("io.picolabs.pico-engine-ui", "uiECI", &ui); !err.empty()) return err;
  if (!ui.is_string()) return "the device has no engine UI channel: " + ui.dump();
  nlohmann::json attrs = {{"tags", {"fleet"}},
                          {"eventPolicy",
                           {{"allow",
                             {{{"domain", "wovyn"}, {"name", "*"}},
                              {{"domain", "wovynEmitter"}, {"name", "*"}},
                              {{"domain", "esproto"}, {"name", "*"}},
                              {{"domain", "wrangler"}, {"name", "install_ruleset_request"}}}},
                            {"deny", nlohmann::json::array()}}},
                          {"queryPolicy",
                           {{"allow",
                             {{{"rid", "esproto_router"}, {"name", "*"}},
                              {{"rid", "esproto_device"}, {"name", "*"}},
                              {{"rid", "io.picolabs.wrangler"}, {"name", "installedRIDs"}}}},
                            {"deny", nlohmann::json::array()}}}};
  if (auto err =
          api.event(ui.get<std::string>(), "engine_ui", "new_channel", attrs.dump(), nullptr);
      !err.empty())
    return err;
  if (auto err = ask("io.picolabs.wrangler", "channels", &channels); !err.empty()) return err;
  *eci = fleet_channel_of(channels);
  return eci->empty() ? "no fleet channel after engine_ui:new_channel" : "";
}

}  // namespace

std::string device_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "device-%04d", index);
  return buf;
}

int run_provision(const ProvisionOptions& options) {
  const auto start = Clock::now();
  client::Options client_options;
  client_options.timeout = kRequestTimeout;
  client_options.user_agent = "esproto-fleet";
  client::HttpClient client(options.url, client_options);
  FleetApi api(&client);

  std::map<std::string, std::string> children;
  if (auto err = api.children(options.owner_eci, &children); !err.empty()) {
    std::fprintf(stderr, "esproto-fleet: %s\n", err.c_str());
    return 1;
  }

  int created = 0;
  for (int i = 1; i <= options.count; ++i) {
    const std::string name = device_name(i);
    if (children.count(name)) continue;
    nlohmann::json attrs = {{"name", name}};
    if (auto err =
            api.event(options.owner_eci, "wrangler", "new_child_request", attrs.dump(), nullptr);
        !err.empty()) {
      std::fprintf(stderr, "esproto-fleet: creating %s: %s\n", name.c_str(), err.c_str());
      return 1;
    }
    ++created;
  }
  const double create_s = seconds_since(start);

  // Wait until every new child has taken its name.
  std::vector<std::string> ecis(options.count);
  for (int poll = 0;; ++poll) {
    if (created > 0 || poll > 0) {
      if (auto err = api.children(options.owner_eci, &children); !err.empty()) {
        std::fprintf(stderr, "esproto-fleet: %s\n", err.c_str());
        return 1;
      }
    }
    int missing = 0;
    for (int i = 1; i <= options.count; ++i) {
      auto it = children.find(device_name(i));
      if (it == children.end())
        ++missing;
      else
        ecis[i - 1] = it->second;
    }
    if (missing == 0) break;
    if (poll + 1 >= kMaxNamePolls) {
      std::fprintf(stderr, "esproto-fleet: %d children still have no name after %d polls\n",
                   missing, kMaxNamePolls);
      return 1;
    }
    std::this_thread::sleep_for(kNamePollInterval);
  }

  for (int i = 0; i < options.count; ++i) {
    const std::string family = ecis[i];
    if (auto err = fleet_channel(api, options.owner_eci, family, &ecis[i]); !err.empty()) {
      std::fprintf(stderr, "esproto-fleet: a channel for %s: %s\n", device_name(i + 1).c_str(),
                   err.c_str());
      return 1;
    }
  }

  int configured = 0;
  for (int i = 0; i < options.count; ++i) {
    if (already_configured(api, ecis[i])) continue;
    if (auto err = configure(api, ecis[i], options.rulesets_dir); !err.empty()) {
      std::fprintf(stderr, "esproto-fleet: configuring %s: %s\n", device_name(i + 1).c_str(),
                   err.c_str());
      return 1;
    }
    ++configured;
  }

  std::ofstream out(options.out_path, std::ios::trunc);
  for (const auto& eci : ecis) out << eci << '\n';
  out.close();
  if (!out) {
    std::fprintf(stderr, "esproto-fleet: cannot write %s\n", options.out_path.c_str());
    return 1;
  }
  std::printf(
      "provisioned %d devices (%d created, %d configured, %d reused as they were) in %.2f s "
      "(creating: %.2f s); ECIs in %s\n",
      options.count, created, configured, options.count - configured, seconds_since(start),
      create_s, options.out_path.c_str());
  return 0;
}

}  // namespace spime::devices
