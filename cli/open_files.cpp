#include "cli/open_files.h"

#include <sys/resource.h>

namespace spime::cli {

long raise_open_files_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return -1;
  const rlim_t wanted =
      files.rlim_max == RLIM_INFINITY ? static_cast<rlim_t>(kOpenFilesCeiling) : files.rlim_max;
  if (files.rlim_cur == RLIM_INFINITY || files.rlim_cur >= wanted)
    return static_cast<long>(files.rlim_cur);
  rlimit raised = files;
  raised.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  return static_cast<long>(files.rlim_cur);
}

}  // namespace spime::cli
