#include "engine/runtime/backup/backup.h"

#include <utility>

#include "engine/store/store.h"

namespace spime::runtime {

void start_backup(store::Store& store, api::BackupRequest request,
                  api::Done<api::BackupResult> done) {
  using Outcome = store::Store::CheckpointResult::Outcome;
  store.checkpoint(request.dir, [done = std::move(done)](const store::Store::CheckpointResult& r) {
    switch (r.outcome) {
      case Outcome::kDone:
        return done(api::BackupResult{r.dir, r.sequence, r.ms});
      case Outcome::kBadPath:
        return done(api::Status::invalid_argument(r.error));
      case Outcome::kExists:
        return done(api::Status::conflict(r.error));
      case Outcome::kBusy:
        return done(api::Status::unavailable(r.error));
      case Outcome::kNoSpace:
      case Outcome::kFailed:
        break;
    }
    done(api::Status::internal(r.error));
  });
}

}  // namespace spime::runtime
