#include "cli/install_paths.h"

#include <filesystem>
#include <system_error>

namespace spime::cli {
namespace {

namespace fs = std::filesystem;

// PREFIX when this executable is PREFIX/bin/spime; "" when it cannot tell.
std::string executable_prefix() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || !exe.has_parent_path()) return "";
  const fs::path bin = exe.parent_path();
  if (bin.filename() != "bin") return "";
  return bin.parent_path().string();
}

struct Defaults {
  std::string rulesets = SPIME_DEFAULT_RULESETS_DIR;
  std::string prototypes = SPIME_DEFAULT_PROTOTYPES_DIR;
  Defaults() {
    const std::string prefix = executable_prefix();
    if (prefix.empty()) return;
    std::error_code ec;
    if (fs::is_directory(installed_rulesets_dir(prefix), ec)) {
      rulesets = installed_rulesets_dir(prefix);
    }
    if (fs::is_directory(installed_prototypes_dir(prefix), ec)) {
      prototypes = installed_prototypes_dir(prefix);
    }
  }
};

const Defaults& defaults() {
  static const Defaults d;
  return d;
}

}  // namespace

std::string installed_rulesets_dir(const std::string& prefix) {
  return prefix + "/share/spime/rulesets";
}

std::string installed_prototypes_dir(const std::string& prefix) {
  return prefix + "/share/spime/prototypes";
}

const std::string& default_rulesets_dir() {
  return defaults().rulesets;
}

const std::string& default_prototypes_dir() {
  return defaults().prototypes;
}

}  // namespace spime::cli
