// Making a child pico from the command line: `spime pico new` and
// `spime collection new` (a child made with the prototype "collection").
//
// The parent (the root when none is named) gets wrangler:new_child_request
// {name, prototype?} on its spime-cli channel (pico_tree.h). With a
// prototype, GET /api/prototypes/<name> must know it first (nothing is made
// otherwise), and the answer's directive {"name": "new_child", "options":
// {"id", "eci", "transducer_url"?}} tells what was made. The new child's UI
// ECI is the one the parent's box did not list before.
#pragma once

#include <string>

#include "cli/engine_client.h"

namespace spime::cli {

struct NewPico {
  std::string name;
  std::string prototype;  // "": a plain child
  std::string parent;     // a name, path or UI ECI; "": the root
};

// Prints what was made (a table, or JSON with `json`).
Problem new_pico(EngineClient& engine, const NewPico& request, bool json);

}  // namespace spime::cli
