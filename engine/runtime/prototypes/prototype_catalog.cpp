// The catalog of prototypes. See prototype_catalog.h.
#include "engine/runtime/prototypes/prototype_catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "engine/runtime/prototypes/prototype_extends.h"
#include "engine/runtime/prototypes/prototype_validate.h"
#include "engine/runtime/prototypes/prototype_value.h"
#include "engine/runtime/prototypes/yaml_reader.h"

namespace spime::runtime {

namespace {

namespace fs = std::filesystem;

std::string absolute_dir(const std::string& dir) {
  if (dir.empty()) return "";
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(dir), ec);
  return ec ? dir : p.lexically_normal().string();
}

// The text of `path`, or false with *error.
bool read_text(const fs::path& path, std::string* text, PrototypeError* error) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    *error = PrototypeError{path.string(), {1, 1}, "cannot read: " + ec.message()};
    return false;
  }
  if (size > kMaxPrototypeBytes) {
    *error = PrototypeError{
        path.string(), {1, 1}, "larger than " + std::to_string(kMaxPrototypeBytes) + " bytes"};
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  if (!in || !(s << in.rdbuf())) {
    *error = PrototypeError{path.string(), {1, 1}, "cannot read"};
    return false;
  }
  *text = s.str();
  return true;
}

}  // namespace

PrototypeCatalog::PrototypeCatalog(std::string dir) : dir_(absolute_dir(dir)) {}

std::vector<PrototypeError> PrototypeCatalog::load_directory(RulesetRegistry& registry) {
  std::vector<PrototypeError> errors;
  if (dir_.empty()) return errors;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".yaml") files.push_back(it->path());
  }
  if (ec) {
    errors.push_back(PrototypeError{dir_, {1, 1}, "cannot list the folder: " + ec.message()});
    return errors;
  }
  std::sort(files.begin(), files.end());

  const PrototypeChecks checks{&registry, false, dir_};
  std::vector<PrototypeDraft> drafts;
  for (const fs::path& f : files) {
    std::string text;
    PrototypeDraft draft;
    PrototypeError error;
    if (!read_text(f, &text, &error) ||
        !read_prototype_yaml(f.string(), dir_, text, &draft, &error) ||
        !validate_prototype(&draft, checks, &error)) {
      errors.push_back(std::move(error));
      continue;
    }
    drafts.push_back(std::move(draft));
  }
  ExtendsResult resolved = resolve_extends(drafts, nullptr);
  errors.insert(errors.end(), resolved.errors.begin(), resolved.errors.end());

  std::map<std::string, Entry, std::less<>> loaded;
  for (auto& p : resolved.resolved) {
    std::string name = p->name;
    krl::Value v = prototype_value(*p);
    loaded.emplace(std::move(name), Entry{std::move(p), std::move(v)});
  }
  WriterLock lock(mu_);
  by_name_ = std::move(loaded);
  return errors;
}

bool PrototypeCatalog::check(const std::string& file, std::string_view text,
                             RulesetRegistry& registry, std::vector<std::string>* names,
                             PrototypeError* error) const {
  const std::string base = dir_.empty() ? absolute_dir(".") : dir_;
  std::vector<PrototypeDraft> drafts(1);
  if (!read_prototype_yaml(file, base, text, &drafts[0], error) ||
      !validate_prototype(&drafts[0], PrototypeChecks{&registry, true, base}, error)) {
    return false;
  }
  ExtendsResult resolved =
      resolve_extends(drafts, [this](const std::string& name) { return get(name); });
  if (!resolved.errors.empty()) {
    *error = resolved.errors.front();
    return false;
  }
  names->clear();
  for (const auto& p : resolved.resolved) names->push_back(p->name);
  return true;
}

std::shared_ptr<const Prototype> PrototypeCatalog::get(std::string_view name) const {
  ReaderLock lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.prototype;
}

std::optional<krl::Value> PrototypeCatalog::value(std::string_view name) const {
  ReaderLock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second.value;
}

krl::Value PrototypeCatalog::values() const {
  ReaderLock lock(mu_);
  krl::Array all;
  for (const auto& [name, entry] : by_name_) all.push_back(entry.value);
  return krl::Value(std::move(all));
}

std::vector<std::string> PrototypeCatalog::names() const {
  ReaderLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, entry] : by_name_) out.push_back(name);
  return out;
}

}  // namespace spime::runtime
