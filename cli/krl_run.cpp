// `spime krl run RULESET.krl --event DOMAIN:TYPE [--attrs JSON] [--state DIR]`
//
// The offline runner: registers the file, creates (or reuses, with --state)
// a data directory with a root pico, installs the ruleset on it, runs one
// event through the real pico runtime and prints
//   {"directives": [...], "entvars": {"<rid>:<name>": value...}, "raised": [...]}
// Exit codes: 0 ok, 1 the ruleset or the event failed, 2 bad usage.
// Its options are parsed by krl_command.cpp.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/command.h"
#include "cli/krl_run.h"
#include "engine/krl/value.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/store.h"

namespace spime::cli {

int krl_run(const KrlRunOptions& o) {
  namespace fs = std::filesystem;
  const std::string& file = o.file;
  const std::string& event = o.event;
  std::string state_dir = o.state_dir;
  auto colon = event.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == event.size()) {
    std::cerr << "spime krl run: --event must be DOMAIN:TYPE (got '" << event << "')\n";
    return kExitUsage;
  }
  krl::Value attrs;
  std::string err;
  if (!krl::parse_json(o.attrs_json, &attrs, &err) || !attrs.is_map()) {
    std::cerr << "spime krl run: --attrs: " << (err.empty() ? "not a JSON object" : err) << "\n";
    return kExitUsage;
  }
  std::string source;
  if (!read_file(file, &source, &err)) {
    std::cerr << "spime krl run: " << err << "\n";
    return kExitRefused;
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
      return kExitRefused;
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
      rc = kExitRefused;
    } else if (root.empty() || !services.install(root, reg.ruleset->rid, {}, &err) ||
               !(pico = runtime::PicoState::load(*store, services, root, &err))) {
      std::cerr << "spime krl run: " << err << "\n";
      rc = kExitRefused;
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
        rc = kExitRefused;
      } else if (!store->write(txn.batch, &err)) {
        std::cerr << "spime krl run: " << err << "\n";
        rc = kExitRefused;
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
