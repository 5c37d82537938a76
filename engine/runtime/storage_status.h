// What a failed write of the store becomes for the client that waited on
// it: the one place a storage error turns into a Status.
//
//   disk full (store::is_out_of_space)  kStorageFull  (HTTP 507)
//   any other write error                 kUnavailable  (HTTP 503)
//
// Both say "commit failed: <the store's error>"; neither is retried here.
// After either, `spime serve` reopens the data directory
// (reopening_engine.h), so a client may try again later (Retry-After).
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include "engine/api/status.h"

namespace spime::runtime {

api::Status commit_failure(const std::string& store_error);

}  // namespace spime::runtime
