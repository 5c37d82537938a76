#include "engine/runtime/rulesets/ruleset_source.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/krl/limits.h"
#include "engine/runtime/outbound/url_fetch.h"

namespace spime::runtime {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFileScheme = "file://";

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Is `path` (canonical) inside one of `roots` (each canonicalised here)?
bool inside_roots(const fs::path& path, const std::vector<std::string>& roots) {
  for (const auto& root : roots) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(fs::path(root), ec);
    if (ec || r.empty()) continue;
    auto rel = path.lexically_relative(r);
    if (!rel.empty() && *rel.begin() != ".." && !rel.is_absolute()) return true;
  }
  return false;
}

bool read_file_url(const std::string& url, const SourcePolicy& policy, std::string* source,
                   std::string* error) {
  const std::string path = url.substr(kFileScheme.size());
  if (path.empty() || path.front() != '/') {
    *error = "cannot read " + url + ": a file:// url needs an absolute path (file:///...)";
    return false;
  }
  fs::path target(path);
  if (policy.confined) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(target, ec);
    if (ec || !inside_roots(canonical, policy.roots)) {
      // The same words whether or not anything is there.
      *error = "cannot read " + url + ": outside the folders rulesets may be read from";
      return false;
    }
    target = canonical;
  }
  std::error_code ec;
  const bool regular = fs::is_regular_file(target, ec);
  const auto size = regular ? fs::file_size(target, ec) : 0;
  if (!regular || ec) {
    *error = "cannot read " + url;
    return false;
  }
  if (size > krl::kMaxSourceBytes) {
    *error =
        url + ": ruleset source is larger than " + std::to_string(krl::kMaxSourceBytes) + " bytes";
    return false;
  }
  std::ifstream in(target, std::ios::binary);
  std::ostringstream ss;
  if (!in || !(ss << in.rdbuf())) {
    *error = "cannot read " + url;
    return false;
  }
  *source = ss.str();
  return true;
}

}  // namespace

bool file_readable(const std::string& path, const SourcePolicy& policy,
                   const std::vector<std::string>& extra_roots) {
  if (!policy.confined) return true;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::path(path), ec);
  if (ec) return false;
  return inside_roots(canonical, policy.roots) || inside_roots(canonical, extra_roots);
}

bool looks_like_ruleset(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (n >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a UTF-8 byte order mark
  while (i < n) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.substr(i, 2) == "//") {
      while (i < n && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      auto end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 2;
    } else {
      break;
    }
  }
  constexpr std::string_view kWord = "ruleset";
  if (s.substr(i, kWord.size()) != kWord) return false;
  i += kWord.size();
  return i < n && !is_word_char(s[i]);
}

std::string not_a_ruleset_error(const std::string& url) {
  return url + ": not a KRL ruleset";
}

bool read_source(const std::string& url, const SourcePolicy& policy, std::string* source,
                 std::string* error) {
  std::string text;
  if (is_http_url(url)) {
    if (!fetch_url(url, &text, error)) return false;
  } else if (url.rfind(kFileScheme, 0) == 0) {
    if (!read_file_url(url, policy, &text, error)) return false;
  } else {
    *error = "cannot fetch " + url + " (only file://, http:// and https:// urls)";
    return false;
  }
  if (!looks_like_ruleset(text)) {
    *error = not_a_ruleset_error(url);
    return false;
  }
  *source = std::move(text);
  return true;
}

}  // namespace spime::runtime
