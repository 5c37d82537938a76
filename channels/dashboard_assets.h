// The dashboard's files (channels/dashboard/), compiled into the binary.
//
// channels/dashboard/dashboard.cmake turns each file into a byte array in a
// source file generated at build time (regenerated when a file changes), so
// a `spime` binary serves its dashboard with nothing read from disk and
// nothing fetched from elsewhere. This header is the one way to read them.
//
// Thread-safety: constant data; call from any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace spime::channels {

struct DashboardAsset {
  std::string_view path;          // under channels/dashboard/: "app.js", "vendor/uplot/LICENSE"
  std::string_view content_type;  // from the file's extension
  std::string_view bytes;
  std::string_view etag;  // a strong ETag, quoted: the first 16 hex digits of the SHA-256
};

// The file at `path` (relative to channels/dashboard/, no leading slash);
// null when there is none.
const DashboardAsset* dashboard_asset(std::string_view path);

// What the generated source defines (dashboard.cmake): one entry per file.
struct EmbeddedDashboardFile {
  const char* path;
  const unsigned char* data;
  std::size_t size;
  const char* etag;
};
extern const EmbeddedDashboardFile kEmbeddedDashboardFiles[];
extern const std::size_t kEmbeddedDashboardFileCount;

}  // namespace spime::channels
