// ChannelCache: committed channel records by ECI, kept in memory so that an
// event or query does not read and decode its channel from the store.
//
// Contract: the cache never answers with a record older than the last
// committed change it was told about. Writers call invalidate() once a batch
// that changes channels has committed; a reader that loaded a record from
// the store calls put() with the generation it saw before reading, and the
// record is dropped if a change committed in between (it may be stale).
// Unknown ECIs are not cached. At most `capacity` records: a full cache is
// emptied and refills with what is used. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/runtime/records.h"

namespace spime::runtime {

class ChannelCache {
 public:
  explicit ChannelCache(size_t capacity = 100000) : capacity_(capacity) {}

  // The cached record, or nullptr.
  std::shared_ptr<const ChannelRecord> get(const std::string& eci) const;
  // The generation to pass to put() (read it BEFORE reading the store).
  std::uint64_t generation() const;
  void put(std::shared_ptr<const ChannelRecord> record, std::uint64_t generation);
  // A batch that changes channels has committed: forget everything.
  void invalidate();

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const ChannelRecord>> records_;
};

}  // namespace spime::runtime
