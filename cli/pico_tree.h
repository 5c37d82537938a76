// Finding picos from the command line, the way the reference's engine UI
// does, over HTTP alone:
//   - GET /api/ui-context gives the root pico's UI ECI;
//   - io.picolabs.pico-engine-ui/box on a UI ECI gives that pico's name,
//     its UI ECI, its parent's and its children's UI ECIs.
// The UI channel admits only the UI's own events and queries (see
// rulesets/io.picolabs.pico-engine-ui.krl), so the other events and queries
// a command sends to a pico go to a channel of the CLI's own on it, tagged
// `spime-cli`, which admits everything: made once through the UI channel
// (engine_ui:new_channel, as a client of the reference does), found again
// by its tag (the UI's `pico` query lists the channels).
//
// Names: a pico is named by its name, by its path from the root
// ("Pico/hall/probe-1"), or by its UI ECI. A name two picos share is
// ambiguous: refused (kExitRefused) with the candidates' paths. Events and
// queries (target_eci) also take any ECI of the engine, used as it is.
//
// Every function returns a Problem: kExitRefused for an unknown or
// ambiguous name or an unexpected answer, kExitUnreachable when no engine
// answered. Thread-safety: as the EngineClient they are given.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "cli/engine_client.h"

namespace spime::cli {

constexpr const char* kUiRid = "io.picolabs.pico-engine-ui";
constexpr const char* kCliChannelTag = "spime-cli";

// One pico as its UI `box` shows it, with its place in the tree.
struct Pico {
  std::string name;
  std::string ui_eci;
  std::string parent_ui_eci;          // "" for the root
  std::vector<std::string> children;  // their UI ECIs, in box's order
  std::string path;                   // names from the root, '/' between them
};

// The whole tree: one box query per pico, at most kMaxPicos.
class PicoTree {
 public:
  static constexpr std::size_t kMaxPicos = 100000;

  static Problem load(EngineClient& engine, PicoTree* out);

  const Pico& root() const { return picos_.front(); }
  // Depth-first from the root (depth 0), children in box's order.
  void each(const std::function<void(const Pico&, int depth)>& visit) const;
  // Picos whose name is `name`; when none, the one whose path it is.
  std::vector<const Pico*> named(const std::string& name) const;
  // The pico of that UI ECI; null when not in the tree.
  const Pico* by_ui_eci(const std::string& ui_eci) const;

 private:
  std::vector<Pico> picos_;  // depth-first order
  std::vector<int> depths_;
};

// The root pico.
Problem root_pico(EngineClient& engine, Pico* out);

// The pico `arg` names (a name, a path, or a UI ECI).
Problem find_pico(EngineClient& engine, const std::string& arg, Pico* out);

// Where events and queries for `arg` go: `arg` itself when it is an ECI of
// the engine, else the spime-cli channel of the pico it names.
Problem target_eci(EngineClient& engine, const std::string& arg, std::string* eci);

// The pico's spime-cli channel, made the first time (see above).
Problem cli_channel(EngineClient& engine, const std::string& ui_eci, std::string* eci);

// A channel of the command line's own on the pico behind `ui_eci`, tagged
// `tag` alone: found by that tag, or made the first time through the UI
// channel with these policies (engine_ui:new_channel; `{"allow": [...],
// "deny": [...]}`, as wrangler:new_channel_request takes them). A channel
// already there keeps the policies it was made with.
Problem own_channel(EngineClient& engine, const std::string& ui_eci, const std::string& tag,
                    const json& event_policy, const json& query_policy, std::string* eci);

// The UI's `pico` answer for a UI ECI: {eci, parent, children, channels, rulesets}.
Problem pico_details(EngineClient& engine, const std::string& ui_eci, json* out);

// Whether a `pico` answer lists ruleset `rid` as installed.
bool has_ruleset(const json& details, const std::string& rid);

}  // namespace spime::cli
