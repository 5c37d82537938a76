#include "engine/store/write_batch.h"

namespace spime::store {

void WriteBatch::put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{Op::Kind::kPut, std::string(key), std::string(value)});
  bytes_ += key.size() + value.size() + kOpOverhead;
}

void WriteBatch::erase(std::string_view key) {
  ops_.push_back(Op{Op::Kind::kErase, std::string(key), std::string()});
  bytes_ += key.size() + kOpOverhead;
}

void WriteBatch::erase_prefix(std::string_view prefix) {
  ops_.push_back(Op{Op::Kind::kErasePrefix, std::string(prefix), std::string()});
  bytes_ += prefix.size() + kOpOverhead;
}

void WriteBatch::clear() {
  ops_.clear();
  bytes_ = 0;
}

}  // namespace spime::store
