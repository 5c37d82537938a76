// The dashboard's routes. See dashboard_routes.h.
#include "channels/dashboard_routes.h"

#include <boost/algorithm/string/predicate.hpp>

#include <string>
#include <string_view>

#include "channels/dashboard_assets.h"

namespace spime::channels {
namespace {

constexpr std::string_view kPrefix = "/dashboard/";
constexpr std::string_view kIndex = "index.html";

// The file a path names ("" for the index); false when the path is not the dashboard's.
bool dashboard_file(std::string_view path, std::string_view* file) {
  if (path == "/" || path.empty() || path == "/dashboard" || path == kPrefix) {
    *file = kIndex;
    return true;
  }
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  *file = path.substr(kPrefix.size());
  return true;
}

bool etag_matches(const Request& request, std::string_view etag) {
  for (const auto& [name, value] : request.headers) {
    if (!boost::iequals(name, "if-none-match")) continue;
    // A list of ETags, or "*"; a weak validator (W/"...") matches too.
    if (value == "*") return true;
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
      while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
      if (one.substr(0, 2) == "W/") one.remove_prefix(2);
      if (one == etag) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace

std::optional<Response> dashboard_response(const Request& request) {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  std::string_view file;
  if (!dashboard_file(path, &file)) return std::nullopt;
  if (!request.from_loopback && !request.owner_guarded) {
    return error_response(
        403, error_text("the dashboard answers on loopback only (without an owner token)"));
  }
  if (request.method != "GET") {
    Response r = error_response(405, error_text("the dashboard answers GET only"));
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  const DashboardAsset* asset = dashboard_asset(file);
  if (!asset) {
    return error_response(404, "Cannot GET " + std::string(path));
  }
  Response r;
  r.headers.emplace_back("ETag", std::string(asset->etag));
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (etag_matches(request, asset->etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.content_type = std::string(asset->content_type);
  r.body = std::string(asset->bytes);
  return r;
}

}  // namespace spime::channels
