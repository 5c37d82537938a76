// PrototypeCatalog: the prototypes an engine knows, by name, each resolved
// (prototype.h) and with its KRL/JSON value made once (prototype_value.h).
//
// The engine owns one, loaded from `spime serve --prototypes DIR` at start;
// the runtime reaches it through Services::prototypes() (the `prototypes`
// KRL module), the HTTP layer through EngineApi. Offline services (`krl
// run`) have an empty one.
//
// Loading a folder: every *.yaml file, in name order, is read
// (yaml_reader.h), validated (prototype_validate.h: url rulesets not
// registered yet are compiled and registered) and then the `extends` chains
// are resolved among them (prototype_extends.h). Everything of a file is
// checked before any of it is kept: a file with an error is left out
// entirely and its error is returned ("file:line:col: message"); the others
// load.
//
// Checking a text (POST /api/prototypes/check) runs the same steps on it as
// if it were a file of the folder (relative references resolve against the
// folder), its `extends` resolved against what is loaded, and keeps nothing:
// it registers no ruleset and fetches nothing (prototype_validate.h).
//
// Thread-safety: every method may be called from any thread; readers see
// the set before or after a load, never part of one. Prototypes and values
// handed out are immutable.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/krl/value.h"
#include "engine/runtime/prototypes/prototype.h"

namespace spime::runtime {

class RulesetRegistry;

class PrototypeCatalog {
 public:
  // `dir`: the prototypes folder; "" for none (nothing to load, and checked
  // texts resolve relative references against the working directory).
  explicit PrototypeCatalog(std::string dir = "");

  // The folder, absolute ("" for none).
  const std::string& dir() const { return dir_; }

  // Loads the folder's files (above), replacing what was loaded; returns
  // the errors of the files left out (a folder that cannot be listed is one
  // error, at its own name).
  std::vector<PrototypeError> load_directory(RulesetRegistry& registry);

  // Checks `text` as file `file` of the folder; the names of the prototypes
  // it holds (true) or its error (false). Loads nothing.
  bool check(const std::string& file, std::string_view text, RulesetRegistry& registry,
             std::vector<std::string>* names, PrototypeError* error) const;

  // Null / nullopt when there is no prototype of that name.
  std::shared_ptr<const Prototype> get(std::string_view name) const;
  std::optional<krl::Value> value(std::string_view name) const;
  // Every prototype's value, by name.
  krl::Value values() const;
  std::vector<std::string> names() const;

 private:
  struct Entry {
    std::shared_ptr<const Prototype> prototype;
    krl::Value value;
  };

  std::string dir_;
  mutable SharedMutex mu_;
  std::map<std::string, Entry, std::less<>> by_name_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::runtime
