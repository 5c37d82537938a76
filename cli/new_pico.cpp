#include "cli/new_pico.h"

#include <algorithm>
#include <cstdio>

#include "cli/arguments.h"
#include "cli/pico_tree.h"
#include "cli/table.h"

namespace spime::cli {

namespace {

// The options of the answer's first directive called `name`; null when none.
json directive_options(const json& answer, const std::string& name) {
  const json directives = member(answer, "directives");
  if (!directives.is_array()) return nullptr;
  for (const auto& d : directives) {
    if (text_at(d, "name") == name) return member(d, "options");
  }
  return nullptr;
}

}  // namespace

Problem new_pico(EngineClient& engine, const NewPico& request, bool as_json) {
  Pico parent;
  Problem problem = request.parent.empty() ? root_pico(engine, &parent)
                                           : find_pico(engine, request.parent, &parent);
  if (problem) return problem;
  if (!request.prototype.empty()) {
    Answer known = engine.get("/api/prototypes/" + url_encode(request.prototype));
    if (known.problem.exit_code == kExitRefused)
      known.problem.message = "prototype '" + request.prototype + "': " + known.problem.message;
    if (known.problem) return known.problem;
  }
  std::string eci;
  if (Problem p = cli_channel(engine, parent.ui_eci, &eci)) return p;
  json attrs = {{"name", request.name}};
  if (!request.prototype.empty()) attrs["prototype"] = request.prototype;
  Answer made = engine.event(eci, "wrangler", "new_child_request", attrs);
  if (made.problem) return made.problem;

  Pico after;
  if (Problem p = find_pico(engine, parent.ui_eci, &after)) return p;
  std::string ui_eci;
  for (const std::string& child : after.children) {
    if (std::find(parent.children.begin(), parent.children.end(), child) == parent.children.end())
      ui_eci = child;
  }
  const json options = directive_options(made.body, "new_child");
  if (ui_eci.empty() && options.is_null())
    return refused("the engine made no child named '" + request.name + "' under " + after.path);

  const std::string path = after.path + "/" + request.name;
  if (as_json) {
    json out = {{"name", request.name}, {"path", path}, {"parent", after.ui_eci}};
    if (!ui_eci.empty()) out["ui_eci"] = ui_eci;
    for (const char* key : {"id", "eci", "transducer_url"}) {
      if (!text_at(options, key).empty()) out[key] = text_at(options, key);
    }
    out["directives"] = member(made.body, "directives");
    std::printf("%s\n", out.dump().c_str());
    return {};
  }
  std::printf("made pico %s\n", path.c_str());
  print_fields({{"  id", text_at(options, "id")},
                {"  ui eci", ui_eci},
                {"  eci", text_at(options, "eci")},
                {"  transducer url", text_at(options, "transducer_url")}});
  return {};
}

}  // namespace spime::cli
