// spime::cluster::EtcdClient: etcd 3.4's v3 API through its JSON gateway
// (POST /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn,
// /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke), over the tools'
// HTTP client (channels/client). The cluster keeps its membership, leases
// and slot table there (docs/cluster.md); the watch is etcd_watch.h.
//
// Contract:
//   - Several endpoints (the etcd members' client URLs). A call goes to the
//     member that answered last; when it cannot be reached, or answers 503
//     or an error etcd gives while it has no leader, the call tries each
//     other member once, in order. Each attempt is bounded by
//     client::Options::timeout, so a call takes at most endpoints x timeout.
//   - Keys and values are bytes; base64 on the wire is this class's.
//   - Errors are api::Status values, nothing throws:
//       kUnavailable     no member answered, or none had a leader (retry)
//       kNotFound        lease_keepalive on a lease that expired or was revoked
//       kInvalidArgument etcd refused the request (400: a bad key range...)
//       kInternal        an answer that does not parse
//   - *revision (when not null) is the store's revision the answer was
//     taken at (its header's revision).
//   - A request that was sent and whose answer was lost goes to another
//     member only when running it twice is harmless (put, range, delete,
//     keep-alive, revoke). A transaction or a lease grant answers
//     kUnavailable instead ("it may have been applied"): the caller reads
//     back and decides.
//
// Thread-safety: one thread at a time (it holds keep-alive connections);
// give each thread its own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/client/http_client.h"
#include "engine/api/status.h"

namespace spime::cluster {

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

// The range_end that covers every key beginning with `prefix` (etcd's
// rule: the prefix with its last byte incremented, bytes 0xff dropped; "\0"
// for an empty prefix or one of 0xff bytes only, meaning "to the end").
std::string prefix_end(const std::string& prefix);

// One comparison of a transaction: `target` of `key` compared with a number
// (versions, revisions) or with `value` (kValue).
struct Compare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue };
  enum class Result { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  std::int64_t number = 0;  // for every target but kValue
  std::string value;        // for kValue
};

// One operation of a transaction's branch: put (with a lease, 0: none) or
// delete [key, range_end) ("" range_end: the key alone).
struct TxnOp {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;
  std::int64_t lease = 0;
  std::string range_end;

  static TxnOp put(std::string key, std::string value, std::int64_t lease = 0) {
    return TxnOp{Kind::kPut, std::move(key), std::move(value), lease, {}};
  }
  static TxnOp erase(std::string key, std::string range_end = {}) {
    return TxnOp{Kind::kDelete, std::move(key), {}, 0, std::move(range_end)};
  }
};

struct Txn {
  std::vector<Compare> compare;  // all must hold for `success` to run
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

class EtcdClient {
 public:
  // `endpoints`: at least one member's client URL.
  explicit EtcdClient(std::vector<client::Url> endpoints, client::Options options = {});
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  // Reads "URL[,URL...]" (spime serve --cluster-etcd); false + *error.
  static bool parse_endpoints(const std::string& text, std::vector<client::Url>* out,
                              std::string* error);

  api::Status put(const std::string& key, const std::string& value, std::int64_t lease = 0,
                  std::int64_t* revision = nullptr);
  // The key, or nullopt in *out when it does not exist.
  api::Status get(const std::string& key, std::optional<KeyValue>* out,
                  std::int64_t* revision = nullptr);
  // Every key in [key, range_end), in key order (range_end "": the key alone).
  api::Status range(const std::string& key, const std::string& range_end,
                    std::vector<KeyValue>* out, std::int64_t* revision = nullptr);
  // Deletes [key, range_end); *deleted (when not null) counts the keys.
  api::Status erase(const std::string& key, const std::string& range_end = {},
                    std::int64_t* deleted = nullptr, std::int64_t* revision = nullptr);
  // *succeeded: whether every comparison held (so `success` ran, else `failure`).
  api::Status txn(const Txn& txn, bool* succeeded, std::int64_t* revision = nullptr);

  // A lease of `ttl_seconds`; *id and *granted_ttl (seconds, as etcd granted).
  api::Status lease_grant(std::int64_t ttl_seconds, std::int64_t* id,
                          std::int64_t* granted_ttl = nullptr);
  // Renews the lease; *ttl (seconds left, when not null). kNotFound when it
  // expired or was revoked.
  api::Status lease_keepalive(std::int64_t id, std::int64_t* ttl = nullptr);
  // Revokes the lease (its keys go); revoking an unknown lease is not an error.
  api::Status lease_revoke(std::int64_t id);

  // Whether some member that can be reached says it has no leader (its
  // /v3/maintenance/status lists no leader): evidence that no write, and so
  // no lease expiry or slot change, can be committed through it. Asks each
  // member once (bounded as any call); false when none answers.
  bool some_member_without_leader();

  // The member that answered last (index into the endpoints).
  std::size_t current_endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::cluster
