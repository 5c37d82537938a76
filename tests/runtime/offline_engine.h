// An engine without actors or HTTP for the [runtime] tests: a real store in a
// temp dir, the registry, LocalServices and the root pico's PicoState, with
// helpers to register and install a ruleset, run an event and a query.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/store.h"
#include "tests/runtime/runtime_fixture.h"

namespace spime::runtime::testing {

struct Engine {
  std::filesystem::path dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
  std::unique_ptr<LocalServices> services;
  std::string root;
  std::unique_ptr<PicoState> pico;
  int eid = 0;
  std::string eci;  // the channel event() sends through (empty: the root's first)

  Engine() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("spime_rt_" + std::to_string(rd()));
    open();
    std::string err;
    root = services->ensure_root_pico(&err);
    REQUIRE(err.empty());
    reload();
  }
  ~Engine() {
    pico.reset();
    services.reset();
    registry.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  void open() {
    std::string err;
    store::Store::Options o;
    o.sync_commits = false;
    store = store::Store::open(dir.string(), o, &err);
    REQUIRE(store);
    registry = std::make_unique<RulesetRegistry>(store.get());
    services = std::make_unique<LocalServices>(*store, *registry);
  }
  void reopen() {
    pico.reset();
    services.reset();
    registry.reset();
    store.reset();
    open();
    CHECK(registry->load_from_store().empty());
    reload();
  }
  void reload() {
    std::string err;
    pico = PicoState::load(*store, *services, root, &err);
    INFO(err);
    REQUIRE(pico);
  }
  std::string add(const std::string& url, const std::string& src, krl::Map config = {}) {
    auto r = registry->register_source(url, src);
    INFO(r.error);
    REQUIRE(r.ruleset);
    std::string err;
    REQUIRE(services->install(root, r.ruleset->rid, config, &err));
    reload();
    return r.ruleset->rid;
  }
  Ran event(const std::string& domain, const std::string& name, krl::Map attrs = {}) {
    IncomingEvent e{eci.empty() ? services->first_eci(root) : eci,
                    "eid" + std::to_string(++eid),
                    domain,
                    name,
                    std::move(attrs),
                    1000};
    return run_and_write(*pico, e, *services, *store);
  }
  Answer query(const std::string& rid, const std::string& name, krl::Map args = {}) {
    return query_pico(*pico, rid, name, args, *services);
  }
};

}  // namespace spime::runtime::testing
