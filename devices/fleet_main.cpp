// esproto-fleet: provision a fleet of ESProto device picos on a local spime
// (or pico-engine) and simulate their heartbeats. See devices/README.md.
//
//   esproto-fleet provision --url http://127.0.0.1:P --eci OWNER --count N --out ecis.txt
//                           [--rulesets DIR]
//   esproto-fleet heartbeat --url http://127.0.0.1:P --ecis ecis.txt --count K
//                           [--payload FILE]... [--connections C]
//   esproto-fleet children  --url http://127.0.0.1:P --eci PARENT --count N [--report R]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "devices/children.h"
#include "devices/heartbeat.h"
#include "devices/provision.h"

namespace {

namespace fs = std::filesystem;

const char kUsage[] =
    "usage:\n"
    "  esproto-fleet provision --url http://127.0.0.1:PORT --eci OWNER_ECI --count N\n"
    "                          --out ecis.txt [--rulesets DIR]\n"
    "  esproto-fleet heartbeat --url http://127.0.0.1:PORT --ecis ecis.txt --count K\n"
    "                          [--payload FILE]... [--connections C]\n"
    "  esproto-fleet children  --url http://127.0.0.1:PORT --eci PARENT_ECI --count N\n"
    "                          [--report R]\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "esproto-fleet: %s\n%s", message.c_str(), kUsage);
  return 2;
}

// The fleet tool drives a local engine only: http://<loopback>[:PORT][/BASE].
bool parse_loopback_url(const std::string& text, spime::client::Url* out, std::string* error) {
  if (!spime::client::parse_url(text, out, error)) return false;
  if (!spime::client::is_loopback_host(out->host)) {
    *error = "only loopback hosts are allowed (got '" + out->host + "')";
    return false;
  }
  return true;
}

bool parse_int(const std::string& s, int lo, int hi, int* out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const int v = std::stoi(s);
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

// --flag value pairs; --payload may repeat. False on a dangling or unknown flag.
bool parse_flags(int argc, char** argv, const std::vector<std::string>& known,
                 std::multimap<std::string, std::string>* flags, std::string* error) {
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (std::find(known.begin(), known.end(), flag) == known.end()) {
      *error = "unknown option " + flag;
      return false;
    }
    if (i + 1 >= argc) {
      *error = flag + " needs a value";
      return false;
    }
    flags->emplace(flag, argv[i + 1]);
  }
  return true;
}

std::string one(const std::multimap<std::string, std::string>& flags, const std::string& key) {
  auto it = flags.find(key);
  return it == flags.end() ? std::string() : it->second;
}

std::vector<std::string> default_payloads() {
  std::vector<std::string> out;
#ifdef ESPROTO_FLEET_PAYLOAD_DIR
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ESPROTO_FLEET_PAYLOAD_DIR, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
#endif
  return out;
}

int provision(int argc, char** argv) {
  std::multimap<std::string, std::string> flags;
  std::string error;
  if (!parse_flags(argc, argv, {"--url", "--eci", "--count", "--out", "--rulesets"}, &flags,
                   &error))
    return usage_error(error);
  spime::devices::ProvisionOptions o;
  if (!parse_loopback_url(one(flags, "--url"), &o.url, &error)) return usage_error(error);
  o.owner_eci = one(flags, "--eci");
  if (o.owner_eci.empty()) return usage_error("--eci is required");
  if (!parse_int(one(flags, "--count"), 1, 100000, &o.count))
    return usage_error("--count must be 1..100000");
  o.out_path = one(flags, "--out");
  if (o.out_path.empty()) return usage_error("--out is required");
  std::string dir = one(flags, "--rulesets");
#ifdef ESPROTO_FLEET_RULESETS_DIR
  if (dir.empty()) dir = ESPROTO_FLEET_RULESETS_DIR;
#endif
  if (dir.empty()) return usage_error("--rulesets is required");
  std::error_code ec;
  o.rulesets_dir = fs::absolute(dir, ec).lexically_normal().string();
  if (!o.rulesets_dir.empty() && o.rulesets_dir.back() == '/') o.rulesets_dir.pop_back();
  for (const char* f : {"esproto_router.krl", "esproto_device.krl"}) {
    if (!fs::is_regular_file(fs::path(o.rulesets_dir) / f, ec))
      return usage_error(o.rulesets_dir + "/" + f + " not found");
  }
  return spime::devices::run_provision(o);
}

int heartbeat(int argc, char** argv) {
  std::multimap<std::string, std::string> flags;
  std::string error;
  if (!parse_flags(argc, argv, {"--url", "--ecis", "--count", "--payload", "--connections"}, &flags,
                   &error))
    return usage_error(error);
  spime::devices::HeartbeatOptions o;
  if (!parse_loopback_url(one(flags, "--url"), &o.url, &error)) return usage_error(error);
  o.ecis_path = one(flags, "--ecis");
  if (o.ecis_path.empty()) return usage_error("--ecis is required");
  if (!parse_int(one(flags, "--count"), 1, 1000000, &o.count))
    return usage_error("--count must be 1..1000000");
  if (flags.count("--connections") &&
      !parse_int(one(flags, "--connections"), 1, 256, &o.connections))
    return usage_error("--connections must be 1..256");
  auto range = flags.equal_range("--payload");
  for (auto it = range.first; it != range.second; ++it) o.payload_paths.push_back(it->second);
  if (o.payload_paths.empty()) o.payload_paths = default_payloads();
  if (o.payload_paths.empty()) return usage_error("--payload is required");
  return spime::devices::run_heartbeat(o);
}

int children(int argc, char** argv) {
  std::multimap<std::string, std::string> flags;
  std::string error;
  if (!parse_flags(argc, argv, {"--url", "--eci", "--count", "--report"}, &flags, &error))
    return usage_error(error);
  spime::devices::ChildrenOptions o;
  if (!parse_loopback_url(one(flags, "--url"), &o.url, &error)) return usage_error(error);
  o.parent_eci = one(flags, "--eci");
  if (o.parent_eci.empty()) return usage_error("--eci is required");
  if (!parse_int(one(flags, "--count"), 1, 1000000, &o.count))
    return usage_error("--count must be 1..1000000");
  if (flags.count("--report") && !parse_int(one(flags, "--report"), 1, 1000000, &o.report_every))
    return usage_error("--report must be 1..1000000");
  return spime::devices::run_children(o);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("missing command");
  const std::string command = argv[1];
  if (command == "provision") return provision(argc, argv);
  if (command == "heartbeat") return heartbeat(argc, argv);
  if (command == "children") return children(argc, argv);
  if (command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return usage_error("unknown command " + command);
}
