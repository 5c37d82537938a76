// WriteBatch: an ordered list of puts, erases and prefix erases applied atomically.
//
// Built by the runtime (no RocksDB types here); Store::write and the Committer convert it into
// one RocksDB write, so either every op of a batch is durable or none is. Ops apply in order: a
// later op on the same key wins. Plain value type; movable and copyable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace spime::store {

class WriteBatch {
 public:
  struct Op {
    enum class Kind { kPut, kErase, kErasePrefix };
    Kind kind;
    std::string key;    // kErasePrefix: the prefix
    std::string value;  // empty unless kPut
  };

  void put(std::string_view key, std::string_view value);
  void erase(std::string_view key);
  // Erases every key that starts with `prefix` (a range deletion), including keys written by
  // batches committed before this one that no reader of the store has seen yet. A later op of
  // the same batch on a key in the range still applies. `prefix` must not be empty.
  void erase_prefix(std::string_view prefix);
  void clear();

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Bytes of keys and values plus a small per-op overhead; for limits and metrics.
  size_t approximate_bytes() const { return bytes_; }

 private:
  static constexpr size_t kOpOverhead = 16;
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

}  // namespace spime::store
