// What the [runtime] tests share: running one event or query offline
// (LocalServices, a real store) and looking at the outcome in one value.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/api/status.h"
#include "engine/runtime/pico/event_schedule.h"
#include "engine/runtime/pico/pico_state.h"
#include "engine/runtime/pico/transaction.h"
#include "engine/runtime/rulesets/ruleset_registry.h"
#include "engine/runtime/services/local_services.h"
#include "engine/store/store.h"
#include "tests/temp_dir.h"

namespace spime::runtime::testing {

// The HTTP status the channels layer would answer for `s` (for terse checks).
inline int http_code(const api::Status& s) {
  using C = api::Status::Code;
  switch (s.code()) {
    case C::kOk:
      return 200;
    case C::kInvalidArgument:
      return 400;
    case C::kPermissionDenied:
      return 403;
    case C::kNotFound:
      return 404;
    case C::kConflict:
      return 409;
    case C::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// One event's outcome and the transaction it wrote (already written to the store when ok).
struct Ran {
  bool ok = false;
  int status = 200;
  std::string error;
  krl::Array directives;
  store::WriteBatch batch;
  std::vector<OutgoingEvent> outgoing;
  std::vector<ScheduledEntry> raised;
  std::vector<std::pair<std::pair<std::string, std::string>, krl::Value>> entvars;
};

inline Ran run_and_write(PicoState& pico, const IncomingEvent& e, Services& services,
                         store::Store& store) {
  Transaction txn;
  EventOutcome out = run_event(pico, e, services, txn);
  Ran r;
  r.ok = out.status.is_ok();
  r.status = http_code(out.status);
  r.error = out.status.message();
  r.directives = std::move(out.directives);
  r.raised = std::move(out.raised);
  r.entvars = std::move(out.entvars);
  if (r.ok) {
    r.batch = txn.batch;
    r.outgoing = std::move(txn.outgoing);
    std::string err;
    REQUIRE(store.write(txn.batch, &err));
  }
  return r;
}

struct Answer {
  bool ok = false;
  int status = 200;
  std::string error;
  krl::Value value;
};

inline Answer query_pico(PicoState& pico, const std::string& rid, const std::string& name,
                         const krl::Map& args, Services& services) {
  Transaction txn;
  auto r = run_query(pico, QueryCall{"", rid, name, args}, services, txn);
  Answer a;
  a.ok = r.ok();
  if (a.ok) {
    a.value = std::move(r.value());
  } else {
    a.status = http_code(r.status());
    a.error = r.status().message();
  }
  return a;
}

// A store in a fresh temporary directory (not fsynced), a ruleset registry
// and LocalServices over it: the offline runtime, without a root pico.
struct OfflineWorld {
  spime::testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<RulesetRegistry> registry;
  std::unique_ptr<LocalServices> services;

  OfflineWorld() {
    std::string err;
    store::Store::Options o;
    o.sync_commits = false;
    store = store::Store::open(dir.path(), o, &err);
    INFO(err);
    REQUIRE(store);
    open_registry();
  }
  ~OfflineWorld() {
    services.reset();
    registry.reset();
    store.reset();
  }
  // A new registry (reading what is persisted only when asked) and services.
  void open_registry() {
    services.reset();
    registry = std::make_unique<RulesetRegistry>(store.get());
    services = std::make_unique<LocalServices>(*store, *registry);
  }
};

}  // namespace spime::runtime::testing
