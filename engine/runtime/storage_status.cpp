// commit_failure. See storage_status.h.
#include "engine/runtime/storage_status.h"

#include "engine/store/store.h"

namespace spime::runtime {

api::Status commit_failure(const std::string& store_error) {
  std::string message = "commit failed: " + store_error;
  if (store::is_out_of_space(store_error)) return api::Status::storage_full(std::move(message));
  return api::Status::unavailable(std::move(message));
}

}  // namespace spime::runtime
