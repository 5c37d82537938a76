// RulesetRegistry: the rulesets this engine knows, by rid, compiled once.
//
// A LoadedRuleset is immutable and shared (shared_ptr) by every pico that has
// it installed; registering a new version of a rid swaps in a new
// LoadedRuleset, picos holding the old one keep it until they reload.
//
// register_source() parses and compiles (with the runtime's host modules,
// runtime_modules.h) and persists {url, source, hash} under keys::ruleset(rid)
// and keys::rid_by_url(url). A syntax or compile error returns every problem
// as "file:line:col: message" lines and leaves the registered version (if any)
// in place. One url registers one rid; registering the same rid from another
// url moves it (the old url index entry is removed). A ruleset whose `use
// module`s would close a cycle with the registered ones is refused:
// "Dependency Cycle Found: a -> b -> a" (starting at the new ruleset's rid).
// load_from_store() restores what was persisted without that check (a cycle
// there is refused when an instance is created, make_instance). A ruleset
// whose program refers to a blocking module (http) is marked so
// (LoadedRuleset::calls_blocking_module, needs_io_thread).
//
// Reads are thread-safe (shared_mutex); writes serialise on the same mutex.
//
// registration_value() is how a registration is shown, as the reference's
// RulesetRegistry shows it: {"url", "rid", "hash", "flushed" (ISO time),
// "compiler": {"version", "warnings": [{"loc", "message"}]}} (/api/flush,
// a ruleset's `meta` in the engine UI).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/krl/compiler.h"
#include "engine/krl/program.h"
#include "engine/runtime/rulesets/ruleset_source.h"
#include "engine/runtime/rulesets/shared_instances.h"
#include "engine/runtime/select_when/rule_selects.h"
#include "engine/runtime/select_when/select_when.h"
#include "engine/runtime/timers/clock.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

struct LoadedRuleset {
  std::string rid;
  std::string url;
  std::string hash;  // sha256 hex of source
  std::string source;
  std::int64_t flushed_ms = 0;              // when this version was registered (Unix ms)
  std::vector<krl::CompileError> warnings;  // the compiler's, for `compiler.warnings`
  std::shared_ptr<const krl::Program> program;
  // The program's rules or plain globals refer to a blocking module (http; runtime_modules.h).
  bool calls_blocking_module = false;
  // One per rule (same index as program->rules()); null for an inactive rule.
  // Compiled with the rule's literal `within` (see PicoState for dynamic ones).
  std::shared_ptr<const RuleSelects> select;
  // This version's instances that picos share (shareable globals only).
  std::shared_ptr<SharedInstances> shared = std::make_shared<SharedInstances>();
};

class RulesetRegistry {
 public:
  // `store` may be null (nothing persisted: tests, `krl eval`). `clock`
  // (never null) stamps the flush time of each registration.
  explicit RulesetRegistry(store::Store* store, std::shared_ptr<const Clock> clock = wall_clock());

  struct Result {
    std::shared_ptr<const LoadedRuleset> ruleset;  // null on error
    std::string error;                             // "file:line:col: message" lines
  };

  // Where file:// urls may be read from (ruleset_source.h); set before
  // serving (not thread-safe against concurrent flushes). Default: anywhere.
  void set_source_policy(SourcePolicy policy) { policy_ = std::move(policy); }

  // Compiles and registers `source` as fetched from `url`. A source that does
  // not begin as a KRL ruleset is refused with nothing of it in the error.
  Result register_source(const std::string& url, const std::string& source);
  // Re-reads a file://, http:// or https:// url (read_source, under the
  // source policy) and registers it again. An http(s) fetch blocks this
  // thread (up to 10 s, url_fetch.h).
  Result flush(const std::string& url);
  // Reads `url` as flush() does and compiles it, registering and persisting
  // nothing: what checking a prototype that names it needs.
  Result compile_url(const std::string& url) const;
  const SourcePolicy& source_policy() const { return policy_; }
  // Registers every *.krl file of `dir` (url file://<absolute path>), in
  // name order; returns the errors (one entry per failed file). A file whose
  // source is the registered one of its url (load_from_store() restored it)
  // is left as it is: not compiled or written again, its flush time kept.
  std::vector<std::string> load_directory(const std::string& dir);
  // Compiles every ruleset persisted in the store; returns the errors.
  // One that no longer compiles (a stricter compiler after an upgrade: the
  // reference's issue #206) is left out and kept in load_errors(); the rest
  // load, so the engine serves every other ruleset.
  std::vector<std::string> load_from_store();

  // A persisted ruleset that did not compile at start, until its rid is
  // registered again (a flush of its url, a new registration).
  struct LoadError {
    std::string rid;
    std::string url;
    std::string error;  // "file:line:col: message" lines
  };
  std::vector<LoadError> load_errors() const;  // by rid
  // Registered from `url`, or persisted from it and left out at start
  // (load_errors): what /api/flush may read again.
  bool known_url(std::string_view url) const;

  std::shared_ptr<const LoadedRuleset> get(std::string_view rid) const;
  std::shared_ptr<const LoadedRuleset> get_by_url(std::string_view url) const;
  std::vector<std::string> rids() const;

  // Advances whenever a ruleset is (re)registered, by any path (/api/flush,
  // ctx:flush, ctx:install of a new url): a running pico whose generation
  // differs re-instantiates what it has installed (pico_actor.cpp).
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Whether a pico with `rs` installed must run on the I/O pool (pico/io_pool.h) before anything
  // runs: its rules or plain globals call a blocking module. A use inside a function (its own or
  // a used module's) is found when it runs: the pico moves to the pool then (pico_actor.h).
  bool needs_io_thread(const LoadedRuleset& rs) const;

 private:
  Result compile(const std::string& url, const std::string& source, std::int64_t flushed_ms) const;
  void put(std::shared_ptr<const LoadedRuleset> rs);
  // Whether `url` is registered with exactly `source`.
  bool registered_as(const std::string& url, const std::string& source) const;
  // "Dependency Cycle Found: ..." if registering `rs` would close a module
  // dependency cycle; empty otherwise.
  std::string dependency_cycle(const LoadedRuleset& rs) const;

  store::Store* store_;
  const std::shared_ptr<const Clock> clock_;
  SourcePolicy policy_;
  mutable SharedMutex mu_;
  Mutex register_mu_;  // serialises register_source (check, persist, put)
  std::unordered_map<std::string, std::shared_ptr<const LoadedRuleset>> by_rid_
      SPIME_GUARDED_BY(mu_);
  std::unordered_map<std::string, std::string> rid_by_url_ SPIME_GUARDED_BY(mu_);
  std::map<std::string, LoadError> load_errors_ SPIME_GUARDED_BY(mu_);  // by rid
  std::atomic<std::uint64_t> generation_{1};
};

krl::Map registration_value(const LoadedRuleset& rs);

}  // namespace spime::runtime
