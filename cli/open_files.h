// The process's limit of open files. A server holding 10,000 keep-alive
// connections (and `spime devices hold`, which opens them) needs a file
// descriptor for each, more than the usual soft limit of 1024; the hard
// limit the system grants is usually far higher.
#pragma once

namespace spime::cli {

// Raises the soft RLIMIT_NOFILE to the hard limit (to kOpenFilesCeiling when
// the hard limit is unlimited). Returns the soft limit in force afterwards
// (-1 when it cannot be read). Never fails the process: when the limit
// cannot be raised, the old one stays. Call once, early in main.
long raise_open_files_limit();

// The soft limit asked for when the hard limit is RLIM_INFINITY (Linux
// refuses more than fs.nr_open, 1,048,576 by default).
constexpr long kOpenFilesCeiling = 1 << 20;

}  // namespace spime::cli
