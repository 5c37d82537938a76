// Looking up the dashboard's embedded files. See dashboard_assets.h.
#include "channels/dashboard_assets.h"

#include <vector>

namespace spime::channels {
namespace {

std::string_view content_type_of(std::string_view path) {
  struct Type {
    std::string_view extension, type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
  };
  for (const Type& t : kTypes) {
    if (path.size() >= t.extension.size() &&
        path.substr(path.size() - t.extension.size()) == t.extension) {
      return t.type;
    }
  }
  return "text/plain; charset=utf-8";  // LICENSE, README
}

std::vector<DashboardAsset> build_table() {
  std::vector<DashboardAsset> table;
  table.reserve(kEmbeddedDashboardFileCount);
  for (std::size_t i = 0; i < kEmbeddedDashboardFileCount; ++i) {
    const EmbeddedDashboardFile& f = kEmbeddedDashboardFiles[i];
    table.push_back({f.path, content_type_of(f.path),
                     std::string_view(reinterpret_cast<const char*>(f.data), f.size), f.etag});
  }
  return table;
}

}  // namespace

const DashboardAsset* dashboard_asset(std::string_view path) {
  static const std::vector<DashboardAsset> kTable = build_table();
  for (const DashboardAsset& asset : kTable) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace spime::channels
