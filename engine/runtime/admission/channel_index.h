// ChannelIndex: every channel by ECI, as the engine's requests must see it.
//
// It answers a lookup without a store read when it can, and it knows the
// channels of transactions that are submitted but not yet durable: when a
// schedule's batch is submitted, its channel changes are staged here with the
// batch's commit sequence number (store/committer.h) BEFORE anyone else can
// learn of them (the submitting pico still holds its run lock). A lookup
// answers the record and the sequence number it depends on; the caller's
// answer waits until that number is durable. So a request sees the channels
// that every earlier answer promised, and no answer is built on a channel a
// crash could lose.
//
// Entries come from staging (a record or a deletion, with its sequence
// number) or from the store (committed, sequence 0, filled by lookup). A
// store read that raced a staged change is not kept (a generation counter),
// so the index never answers with a record older than the last change staged.
// At most `capacity` entries: beyond it, entries already durable are dropped
// and reloaded on demand; entries not yet durable are kept.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/base/thread_annotations.h"
#include "engine/runtime/records/records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class ChannelIndex {
 public:
  explicit ChannelIndex(size_t capacity = 100000) : capacity_(capacity) {}

  struct Found {
    std::shared_ptr<const ChannelRecord> channel;  // null: no such channel
    std::uint64_t depends_on = 0;                  // commit sequence number it rests on
  };

  // The channel `eci` (validated as an id by the caller), from the index or the store.
  Found lookup(const store::Store& store, const std::string& eci);

  // A submitted transaction's channel changes, in order (a later change of the same ECI wins):
  // a record, or nullopt for a deletion. `durable` is the committer's durable_seq(), for
  // trimming.
  void stage(const std::vector<std::pair<std::string, std::optional<ChannelRecord>>>& changes,
             std::uint64_t seq, std::uint64_t durable);

  // After a failed commit: forget everything (the store is the truth again).
  void clear();

  // Drops what the index holds of `ecis`, so their next lookup reads the
  // store: for channels a slot move wrote or erased (cluster/slot_moves.h),
  // once that write is durable; none of them is being changed otherwise.
  void forget(const std::vector<std::string>& ecis);

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const ChannelRecord> channel;  // null: deleted
    std::uint64_t seq = 0;
  };
  void trim_locked(std::uint64_t durable) SPIME_REQUIRES(mu_);

  const size_t capacity_;
  mutable Mutex mu_;
  std::uint64_t generation_ SPIME_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, Entry> entries_ SPIME_GUARDED_BY(mu_);
};

}  // namespace spime::runtime
