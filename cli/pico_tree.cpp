#include "cli/pico_tree.h"

#include <set>

#include "cli/arguments.h"

namespace spime::cli {

namespace {

// Deeper than any tree a person walks; bounds a walk up a corrupt tree.
constexpr int kMaxDepth = 1000;

// A pico from its box answer; refused when the answer is not box's shape.
Problem from_box(const json& box, Pico* out) {
  if (text_at(box, "eci").empty())
    return refused("unexpected answer to " + std::string(kUiRid) + "/box: " + box.dump());
  out->name = text_at(box, "name");
  out->ui_eci = text_at(box, "eci");
  out->parent_ui_eci = text_at(box, "parent");
  out->children.clear();
  auto kids = box.find("children");
  if (kids != box.end() && kids->is_array()) {
    for (const auto& k : *kids) {
      if (k.is_string()) out->children.push_back(k.get<std::string>());
    }
  }
  return {};
}

Problem box_of(EngineClient& engine, const std::string& ui_eci, Pico* out) {
  Answer a = engine.query(ui_eci, kUiRid, "box");
  if (a.problem) return a.problem;
  return from_box(a.body, out);
}

// Fills out->path by walking up through the parents' boxes.
Problem set_path(EngineClient& engine, Pico* out) {
  out->path = out->name;
  std::string parent = out->parent_ui_eci;
  for (int depth = 0; !parent.empty(); ++depth) {
    if (depth == kMaxDepth)
      return refused("the pico tree is deeper than " + std::to_string(kMaxDepth) + " (a loop?)");
    Pico up;
    if (Problem p = box_of(engine, parent, &up)) return p;
    out->path = up.name + "/" + out->path;
    parent = up.parent_ui_eci;
  }
  return {};
}

// What `arg` is as an ECI: not one, one whose box answers (a pico's UI
// channel, or a channel admitting box), or one that refuses box.
struct Probe {
  bool eci = false;
  bool has_box = false;
  json box;
  Problem problem;  // only when the engine could not be reached
};

Probe probe(EngineClient& engine, const std::string& arg) {
  Probe out;
  if (arg.empty() || arg.find_first_of("/ \t\n") != std::string::npos) return out;
  Answer a = engine.query(arg, kUiRid, "box");
  if (a.problem.exit_code == kExitUnreachable) {
    out.problem = a.problem;
  } else if (!a.problem) {
    out.eci = out.has_box = true;
    out.box = std::move(a.body);
  } else if (!(a.status == 404 && a.problem.message.find("ECI not found") != std::string::npos)) {
    out.eci = true;  // a channel of the engine that does not admit box
  }
  return out;
}

// Whether `channel` (one of the UI's `pico` answer) is tagged `tag` alone.
bool tagged_alone(const json& channel, const std::string& tag) {
  auto tags = channel.find("tags");
  return channel.is_object() && tags != channel.end() && tags->is_array() && tags->size() == 1 &&
         (*tags)[0] == tag && channel.contains("id") && channel["id"].is_string();
}

std::string find_channel(const json& details, const std::string& tag) {
  auto channels = details.find("channels");
  if (channels == details.end() || !channels->is_array()) return "";
  for (const auto& c : *channels) {
    if (tagged_alone(c, tag)) return c["id"].get<std::string>();
  }
  return "";
}

json allow_all(const char* first, const char* second) {
  return {{"allow", json::array({{{first, "*"}, {second, "*"}}})}, {"deny", json::array()}};
}

}  // namespace

Problem PicoTree::load(EngineClient& engine, PicoTree* out) {
  out->picos_.clear();
  out->depths_.clear();
  Pico root;
  if (Problem p = root_pico(engine, &root)) return p;
  // Depth-first with an explicit stack of (ui eci, parent path, depth).
  struct Todo {
    std::string ui_eci, parent_path;
    int depth;
  };
  std::vector<Todo> stack;
  std::set<std::string> seen{root.ui_eci};
  auto push_children = [&](const Pico& p, int depth) {
    for (auto it = p.children.rbegin(); it != p.children.rend(); ++it) {
      if (seen.insert(*it).second) stack.push_back({*it, p.path, depth + 1});
    }
  };
  out->picos_.push_back(root);
  out->depths_.push_back(0);
  push_children(root, 0);
  while (!stack.empty()) {
    Todo t = std::move(stack.back());
    stack.pop_back();
    if (out->picos_.size() >= kMaxPicos)
      return refused("more than " + std::to_string(kMaxPicos) + " picos: give a UI ECI");
    Pico p;
    if (Problem problem = box_of(engine, t.ui_eci, &p)) return problem;
    p.path = t.parent_path + "/" + p.name;
    out->picos_.push_back(p);
    out->depths_.push_back(t.depth);
    if (t.depth < kMaxDepth) push_children(p, t.depth);
  }
  return {};
}

void PicoTree::each(const std::function<void(const Pico&, int depth)>& visit) const {
  for (std::size_t i = 0; i < picos_.size(); ++i) visit(picos_[i], depths_[i]);
}

std::vector<const Pico*> PicoTree::named(const std::string& name) const {
  std::vector<const Pico*> found;
  for (const Pico& p : picos_) {
    if (p.name == name) found.push_back(&p);
  }
  if (found.empty()) {
    for (const Pico& p : picos_) {
      if (p.path == name) found.push_back(&p);
    }
  }
  return found;
}

const Pico* PicoTree::by_ui_eci(const std::string& ui_eci) const {
  for (const Pico& p : picos_) {
    if (p.ui_eci == ui_eci) return &p;
  }
  return nullptr;
}

Problem root_pico(EngineClient& engine, Pico* out) {
  Answer a = engine.get("/api/ui-context");
  if (a.problem) return a.problem;
  const std::string eci = text_at(a.body, "eci");
  if (eci.empty())
    return refused("the engine has no UI channel (GET /api/ui-context: " + a.text + ")");
  if (Problem p = box_of(engine, eci, out)) return p;
  out->path = out->name;
  return {};
}

Problem find_pico(EngineClient& engine, const std::string& arg, Pico* out) {
  Probe eci = probe(engine, arg);
  if (eci.problem) return eci.problem;
  if (eci.has_box) {
    if (Problem p = from_box(eci.box, out)) return p;
    return set_path(engine, out);
  }
  if (eci.eci) {
    return refused("'" + arg +
                   "' is an ECI, but not a pico's UI ECI: name the pico, or give its path or "
                   "its UI ECI");
  }
  PicoTree tree;
  if (Problem p = PicoTree::load(engine, &tree)) return p;
  std::vector<const Pico*> found = tree.named(arg);
  if (found.empty()) return refused("no pico named '" + arg + "' (`spime pico ls` lists them)");
  if (found.size() > 1) {
    std::string paths;
    for (const Pico* p : found) paths += (paths.empty() ? "" : ", ") + p->path;
    return refused("'" + arg + "' names " + std::to_string(found.size()) + " picos: " + paths +
                   " (give a path or a UI ECI)");
  }
  *out = *found.front();
  return {};
}

Problem target_eci(EngineClient& engine, const std::string& arg, std::string* eci) {
  Probe probed = probe(engine, arg);
  if (probed.problem) return probed.problem;
  if (probed.eci) {
    *eci = arg;
    return {};
  }
  Pico pico;
  if (Problem p = find_pico(engine, arg, &pico)) return p;
  return cli_channel(engine, pico.ui_eci, eci);
}

Problem pico_details(EngineClient& engine, const std::string& ui_eci, json* out) {
  Answer a = engine.query(ui_eci, kUiRid, "pico");
  if (a.problem) return a.problem;
  if (!a.body.is_object())
    return refused("unexpected answer to " + std::string(kUiRid) + "/pico: " + a.text);
  *out = std::move(a.body);
  return {};
}

bool has_ruleset(const json& details, const std::string& rid) {
  auto rulesets = details.find("rulesets");
  if (rulesets == details.end() || !rulesets->is_array()) return false;
  for (const auto& r : *rulesets) {
    if (text_at(r, "rid") == rid) return true;
  }
  return false;
}

Problem own_channel(EngineClient& engine, const std::string& ui_eci, const std::string& tag,
                    const json& event_policy, const json& query_policy, std::string* eci) {
  json details;
  if (Problem p = pico_details(engine, ui_eci, &details)) return p;
  *eci = find_channel(details, tag);
  if (!eci->empty()) return {};
  json attrs = {
      {"tags", json::array({tag})}, {"eventPolicy", event_policy}, {"queryPolicy", query_policy}};
  Answer made = engine.event(ui_eci, "engine_ui", "new_channel", attrs);
  if (made.problem) return made.problem;
  if (Problem p = pico_details(engine, ui_eci, &details)) return p;
  *eci = find_channel(details, tag);
  if (eci->empty())
    return refused("the engine made no " + tag + " channel on the pico with UI ECI " + ui_eci);
  return {};
}

Problem cli_channel(EngineClient& engine, const std::string& ui_eci, std::string* eci) {
  return own_channel(engine, ui_eci, kCliChannelTag, allow_all("domain", "name"),
                     allow_all("rid", "name"), eci);
}

}  // namespace spime::cli
