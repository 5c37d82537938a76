#include "engine/cluster/legacy_overrides.h"

#include <algorithm>

namespace spime::cluster {

using api::Status;

Status put_overrides(EtcdClient& kv, const std::string& prefix, const std::string& node, Slot slot,
                     const std::vector<std::string>& ecis) {
  const std::string name = slot_text(slot);
  for (std::size_t at = 0; at < ecis.size(); at += kOverridesPerTxn) {
    Txn txn;
    txn.compare.push_back(
        {prefix + "slots/" + name, Compare::Target::kValue, Compare::Result::kEqual, 0, node});
    txn.compare.push_back(
        {prefix + "moves/" + name, Compare::Target::kVersion, Compare::Result::kEqual, 0, {}});
    const std::size_t end = std::min(ecis.size(), at + kOverridesPerTxn);
    for (std::size_t i = at; i < end; ++i) {
      txn.success.push_back(TxnOp::put(prefix + "overrides/" + ecis[i], name));
    }
    bool held = false;
    const Status s = kv.txn(txn, &held);
    if (!s.is_ok()) return s;
    if (!held) {
      return Status::conflict("slot " + name + " is no longer " + node + "'s, or is moving");
    }
  }
  return Status::ok();
}

}  // namespace spime::cluster
