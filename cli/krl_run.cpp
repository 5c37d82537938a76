// `spime krl run RULESET.krl --event DOMAIN:TYPE [--attrs JSON] [--state DIR]`
//
// The offline runner: registers the file, creates (or reuses, with --state)
// a data directory with a root pico, installs the ruleset on it, runs one
// event through the real pico runtime and prints
//   {"directives": [...], "entvars": {"<rid>:<name>": value...}, "raised": [...]}
// Exit codes: 0 ok, 1 the ruleset or the event failed, 2 bad usage.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/command.h"
#include "engine/krl/value.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/store.h"

namespace spime::cli {

namespace {

int usage(const std::string& why) {
  std::cerr
      << "spime krl run: " << why
      << "\nusage: spime krl run RULESET.krl --event DOMAIN:TYPE [--attrs JSON] [--state DIR]\n";
  return kExitUsage;
}

}  // namespace

int krl_run(const Args& args_in) {
  namespace fs = std::filesystem;
  Args args = args_in;
  if (!args.empty() && args[0] == "run") args.erase(args.begin());
  std::string file, event, attrs_json = "{}", state_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    if (a == "--event") {
      if (!value(&event)) return usage("--event needs DOMAIN:TYPE");
    } else if (a == "--attrs") {
      if (!value(&attrs_json)) return usage("--attrs needs JSON");
    } else if (a == "--state") {
      if (!value(&state_dir)) return usage("--state needs a directory");
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown option " + a);
    } else if (file.empty()) {
      file = a;
    } else {
      return usage("more than one ruleset file");
    }
  }
  if (file.empty()) return usage("no ruleset file");
  auto colon = event.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == event.size()) {
    return usage("--event must be DOMAIN:TYPE");
  }
  krl::Value attrs;
  std::string err;
  if (!krl::parse_json(attrs_json, &attrs, &err) || !attrs.is_map()) {
    std::cerr << "spime krl run: --attrs: " << (err.empty() ? "not a JSON object" : err) << "\n";
    return kExitUsage;
  }
  std::string source;
  if (!read_file(file, &source, &err)) {
    std::cerr << "spime krl run: " << err << "\n";
    return kExitFailed;
  }

  bool temp = state_dir.empty();
  if (temp) {
    std::random_device rd;
    state_dir = (fs::temp_directory_path() / ("spime-krl-run-" + std::to_string(rd()))).string();
  }
  int rc = kExitOk;
  {
    store::Store::Options options;
    options.sync_commits = !temp;
    auto store = store::Store::open(state_dir, options, &err);
    if (!store) {
      std::cerr << "spime krl run: " << err << "\n";
      return kExitFailed;
    }
    runtime::RulesetRegistry registry(store.get());
    for (const auto& e : registry.load_from_store()) std::cerr << "warning: " << e << "\n";
    runtime::LocalServices services(*store, registry);
    std::string url = "file://" + fs::absolute(file).lexically_normal().string();
    auto reg = registry.register_source(url, source);
    std::string root = reg.ruleset ? services.ensure_root_pico(&err) : "";
    std::unique_ptr<runtime::PicoState> pico;
    if (!reg.ruleset) {
      std::cerr << reg.error << "\n";
      rc = kExitFailed;
    } else if (root.empty() || !services.install(root, reg.ruleset->rid, {}, &err) ||
               !(pico = runtime::PicoState::load(*store, services, root, &err))) {
      std::cerr << "spime krl run: " << err << "\n";
      rc = kExitFailed;
    } else {
      runtime::IncomingEvent ev{services.first_eci(root),
                                services.new_id(),
                                event.substr(0, colon),
                                event.substr(colon + 1),
                                attrs,
                                services.now_ms(),
                                {}};
      runtime::Transaction txn;
      runtime::EventOutcome out = runtime::run_event(*pico, ev, services, txn);
      if (!out.status.is_ok()) {
        std::cerr << "spime krl run: " << out.status.message() << "\n";
        rc = kExitFailed;
      } else if (!store->write(txn.batch, &err)) {
        std::cerr << "spime krl run: " << err << "\n";
        rc = kExitFailed;
      } else {
        krl::Map ents;
        for (const auto& [key, v] : out.entvars) ents.set(key.first + ":" + key.second, v);
        krl::Array raised;
        for (const auto& r : out.raised) {
          raised.push_back(krl::Value(krl::Map{
              {"rid", r.rid}, {"domain", r.domain}, {"name", r.name}, {"attrs", r.attrs}}));
        }
        krl::Map result;
        result.set("directives", krl::Value(std::move(out.directives)));
        result.set("entvars", krl::Value(std::move(ents)));
        result.set("raised", krl::Value(std::move(raised)));
        std::cout << krl::encode_json(krl::Value(std::move(result)), 2) << "\n";
      }
    }
  }
  if (temp) {
    std::error_code ec;
    fs::remove_all(state_dir, ec);
  }
  return rc;
}

}  // namespace spime::cli
