// Lexical scopes: names to frame slots, resolved once at compile time.
#include "engine/krl/compile_scope.h"

#include <algorithm>

#include "engine/krl/eval_nodes.h"
#include "engine/krl/stdlib/stdlib.h"

namespace spime::krl::detail {

const char* annotation_name(Annotation a) {
  switch (a) {
    case Annotation::Function:
      return "Function";
    case Annotation::Action:
      return "Action";
    case Annotation::ActionFunction:
      return "ActionFunction";
    case Annotation::String:
      return "String";
    case Annotation::Map:
      return "Map";
    case Annotation::Unknown:
      break;
  }
  return "Unknown";
}

bool is_object_prototype_name(const std::string& name) {
  static const char* const names[] = {
      "constructor",      "__defineGetter__", "__defineSetter__", "hasOwnProperty",
      "__lookupGetter__", "__lookupSetter__", "isPrototypeOf",    "propertyIsEnumerable",
      "toString",         "valueOf",          "__proto__",        "toLocaleString",
  };
  return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; });
}

namespace {

// Keys lodash's _.set (which the reference builds the description with)
// refuses to set.
bool guarded_key(const std::string& k) {
  return k == "__proto__" || k == "constructor" || k == "prototype";
}

}  // namespace

void TestingEvents::add(const std::string& domain, const std::string& type) {
  if (!rule || guarded_key(*rule) || guarded_key(domain) || guarded_key(type)) return;
  for (const Event& e : events) {
    if (e.rule == *rule && e.domain == domain && e.type == type) return;
  }
  events.push_back(Event{*rule, domain, type, {}});
}

void TestingEvents::add_attr(const std::string& key) {
  if (!rule || guarded_key(key)) return;
  for (Event& e : events) {
    if (e.rule != *rule) continue;
    if (std::find(e.attrs.begin(), e.attrs.end(), key) == e.attrs.end()) e.attrs.push_back(key);
  }
}

void Compiler::error(Loc loc, std::string message) {
  failed_ = true;
  if (errors_) errors_->push_back({options_.file, loc, std::move(message)});
}

void Compiler::warning(Loc loc, std::string message) {
  if (options_.warnings && quiet_ == 0)
    options_.warnings->push_back({options_.file, loc, std::move(message), true});
}

void Compiler::push_frame() {
  frames_.emplace_back();
}

int Compiler::pop_frame() {
  int n = frames_.back().nslots;
  frames_.pop_back();
  return n;
}

int Compiler::declare(const std::string& name, TypeInfo t) {
  FrameScope& f = frames_.back();
  auto it = f.names.find(name);
  if (it != f.names.end()) {  // redeclared in the same frame: same slot
    it->second.type = std::move(t);
    return it->second.slot;
  }
  int slot = f.nslots++;
  f.names.emplace(name, Entry{slot, std::move(t)});
  return slot;
}

void Compiler::annotate(const std::string& name, TypeInfo t) {
  auto it = frames_.back().names.find(name);
  if (it != frames_.back().names.end()) it->second.type = std::move(t);
}

std::optional<Compiler::Resolved> Compiler::lookup(const std::string& name) const {
  int hops = 0;
  for (auto f = frames_.rbegin(); f != frames_.rend(); ++f, ++hops) {
    auto it = f->names.find(name);
    if (it != f->names.end()) return Resolved{hops, it->second.slot, &it->second.type};
  }
  return std::nullopt;
}

std::optional<Compiler::Resolved> Compiler::lookup_global(const std::string& name) const {
  if (frames_.empty()) return std::nullopt;
  auto it = frames_.front().names.find(name);
  if (it == frames_.front().names.end()) return std::nullopt;
  return Resolved{static_cast<int>(frames_.size()) - 1, it->second.slot, &it->second.type};
}

std::optional<Annotation> Compiler::identifier_type(const std::string& name) const {
  if (auto r = lookup(name)) return r->type->type;
  if (stdlib::find_operator(name)) return Annotation::Function;
  if (const Builtin* b = find_builtin_action(name)) {
    return b->kind == Function::Kind::ActionFunction ? Annotation::ActionFunction
                                                     : Annotation::Action;
  }
  return std::nullopt;
}

TypeInfo Compiler::type_of(const ast::Expr& e) const {
  TypeInfo t;
  if (e.kind == ast::ExprKind::Function || e.kind == ast::ExprKind::DefAction) {
    t.type = e.kind == ast::ExprKind::Function ? Annotation::Function : Annotation::Action;
    const auto& ps = e.kind == ast::ExprKind::Function
                         ? static_cast<const ast::Function&>(e).params
                         : static_cast<const ast::DefAction&>(e).params;
    for (const auto& p : ps) t.params.push_back(p.name);
  } else if (e.kind == ast::ExprKind::Identifier) {
    const std::string& name = static_cast<const ast::Identifier&>(e).name;
    if (auto r = lookup(name)) return *r->type;
    if (auto a = identifier_type(name)) t.type = *a;
  }
  return t;
}

}  // namespace spime::krl::detail
