// spime::cluster::EtcdWatch: one etcd watch through the JSON gateway
// (POST /v3/watch: one long chunked answer, a JSON object per line), read
// with the tools' ResponseStream (channels/client/response_stream.h). The
// engines and the route syncer keep the slot table from one
// (docs/cluster.md).
//
// Contract:
//   - open() watches [key, range_end) ("" range_end: the key alone) from
//     `start_revision` (0: from now on), trying each member in turn until
//     one confirms the watch; each try bounded by client::Options::timeout.
//     kUnavailable when none could.
//   - next() answers the next batch of changes (one revision's, in order),
//     waiting at most `wait`; nullopt when none came in time, or the watch
//     ended (ended(); status() says why). Progress messages without events
//     only advance revision().
//   - A watch ends when the member closes the answer or goes away
//     (kUnavailable: open again from revision() + 1 on any member), or when
//     etcd cancels it: kConflict when `start_revision` was compacted away
//     (etcd confirms such a watch, then cancels it: open() answers kConflict
//     when both came together, else the first next() ends the watch with
//     it; compact_revision() says to where: read the range again, then watch
//     from that read's revision + 1), kInternal for a line that does not
//     parse or one over client::Options::max_body_bytes.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "channels/client/http_client.h"
#include "engine/api/status.h"
#include "engine/cluster/etcd_client.h"

namespace spime::cluster {

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // a delete's carries the key and its mod_revision only
};

struct WatchBatch {
  std::int64_t revision = 0;  // the store's revision after these events
  std::vector<WatchEvent> events;
};

class EtcdWatch {
 public:
  explicit EtcdWatch(std::vector<client::Url> endpoints, client::Options options = {});
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  api::Status open(const std::string& key, const std::string& range_end,
                   std::int64_t start_revision);
  std::optional<WatchBatch> next(std::chrono::milliseconds wait);

  bool ended() const;
  api::Status status() const;
  // The highest revision this watch has seen (events or progress).
  std::int64_t revision() const;
  // Set when etcd cancelled the watch because its start was compacted.
  std::int64_t compact_revision() const;

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spime::cluster
