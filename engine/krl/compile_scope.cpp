// Lexical scopes: names to frame slots, resolved once at compile time.
#include "engine/krl/compile_scope.h"

namespace spime::krl::detail {

void Compiler::error(Loc loc, std::string message) {
  failed_ = true;
  if (errors_) errors_->push_back({options_.file, loc, std::move(message)});
}

void Compiler::push_frame() {
  frames_.emplace_back();
}

int Compiler::pop_frame() {
  int n = frames_.back().nslots;
  frames_.pop_back();
  return n;
}

int Compiler::declare(const std::string& name, Annotation a) {
  FrameScope& f = frames_.back();
  auto it = f.names.find(name);
  if (it != f.names.end()) {  // redeclared in the same frame: same slot
    it->second.annotation = a;
    return it->second.slot;
  }
  int slot = f.nslots++;
  f.names.emplace(name, Entry{slot, a});
  return slot;
}

void Compiler::annotate(const std::string& name, Annotation a) {
  auto it = frames_.back().names.find(name);
  if (it != frames_.back().names.end()) it->second.annotation = a;
}

std::optional<Compiler::Resolved> Compiler::lookup(const std::string& name) const {
  int hops = 0;
  for (auto f = frames_.rbegin(); f != frames_.rend(); ++f, ++hops) {
    auto it = f->names.find(name);
    if (it != f->names.end()) return Resolved{hops, it->second.slot, it->second.annotation};
  }
  return std::nullopt;
}

std::optional<Compiler::Resolved> Compiler::lookup_global(const std::string& name) const {
  if (frames_.empty()) return std::nullopt;
  auto it = frames_.front().names.find(name);
  if (it == frames_.front().names.end()) return std::nullopt;
  return Resolved{static_cast<int>(frames_.size()) - 1, it->second.slot, it->second.annotation};
}

}  // namespace spime::krl::detail
