// Online backups: EngineApi::backup over Store::checkpoint (engine/store/store.h).
//
// start_backup() maps the store's checkpoint outcomes to the engine's Status
// vocabulary (engine/api/status.h):
//   kBadPath → kInvalidArgument (400)   kExists  → kConflict (409)
//   kBusy    → kUnavailable (503)       kNoSpace, kFailed → kInternal (500)
// It returns at once: the path is checked and the copy made on the store's
// checkpoint thread, and `done` is called there (inline when a backup is
// already running), exactly once.
//
// Who may call: the Engine (runtime/engine.cpp), any thread, while its store
// is open.
#pragma once

#include "engine/api/engine_api.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

void start_backup(store::Store& store, api::BackupRequest request,
                  api::Done<api::BackupResult> done);

}  // namespace spime::runtime
