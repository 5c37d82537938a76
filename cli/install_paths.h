// Where `spime serve` finds the shipped rulesets and prototypes by default
// (its --rulesets and --prototypes; either flag overrides).
//
// Installed (the Debian package, `cmake --install`), the binary is
// PREFIX/bin/spime and they are PREFIX/share/spime/{rulesets,prototypes}:
// the folders beside the executable's own bin/ are used when they exist, so
// /usr/bin/spime reads /usr/share/spime/rulesets, and a package unpacked into
// any directory reads its own tree's. Otherwise (a binary run from its
// build tree) the source tree's folders, fixed at build time
// (SPIME_DEFAULT_RULESETS_DIR, SPIME_DEFAULT_PROTOTYPES_DIR).
//
// Thread-safety: any thread; the answer is worked out on the first call
// (a readlink of /proc/self/exe and two stat calls) and kept.
#pragma once

#include <string>

namespace spime::cli {

const std::string& default_rulesets_dir();
const std::string& default_prototypes_dir();

// The installed layout under `prefix` (for the two above and the tests).
std::string installed_rulesets_dir(const std::string& prefix);
std::string installed_prototypes_dir(const std::string& prefix);

}  // namespace spime::cli
