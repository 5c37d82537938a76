// Store: the engine's persistent state in one RocksDB database under --data DIR.
//
// This directory (engine/store/) is the only code that includes RocksDB headers; the public API
// speaks bytes. Key layout lives in keys.h; values are encoded by the runtime.
//
// One process at a time: open() takes an exclusive lock (flock on DIR/spime.lock, then RocksDB's
// own LOCK) and fails with "data directory DIR is in use by another spime process" when another
// Store, in this process or another, holds it. The lock is released when the Store is destroyed.
//
// Schema: a fresh directory gets m/schema_version = kSchemaVersion. An older version opens
// (opened_schema_version() says which: the runtime upgrades its records). A directory written by a
// newer spime is refused ("data directory DIR has schema version N; this spime reads up to M"),
// as is a non-empty database with no schema version.
//
// Writes: write() commits one batch synchronously (start-up, admin paths); committer() is the
// group-commit path for the many concurrent picos. Reads (get, scan) see every acknowledged
// write. All methods are thread-safe. Destruction drains the committer, waits for a checkpoint
// in progress (a RocksDB checkpoint cannot be cut short), then closes.
//
// Online backups: checkpoint(DIR) makes DIR an openable copy of the database while the engine
// serves (RocksDB's Checkpoint: table files hard-linked when DIR is on the data directory's
// filesystem, copied otherwise; MANIFEST, OPTIONS and live WAL files copied). Consistency: it
// is taken with log_size_for_flush = 0, so RocksDB first flushes the memtables. Every write the
// committer acknowledged before the call was in the WAL (synced) and in the memtable when the
// call began, so the flush puts it in a table file of the copy, whatever the WAL's size; writes
// racing with the call may or may not be in it (the copy is still a consistent prefix: a
// RocksDB sequence number cuts it). We chose the flush over copying live WALs without one
// (log_size_for_flush > 0): the copy then opens without replaying a WAL, and how much of a
// WAL it holds does not depend on the WAL's size. The cost is one memtable flush (a few MB of
// writes) per backup. The copy is fsynced before the answer, its directory entry included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "engine/store/committer.h"
#include "engine/store/write_batch.h"

namespace spime::store {

// How a failed write's error begins when the disk was full (RocksDB's
// NoSpace), so the runtime can say so (507) without parsing RocksDB's text.
inline constexpr std::string_view kOutOfSpace = "disk full: ";
inline bool is_out_of_space(std::string_view write_error) {
  return write_error.substr(0, kOutOfSpace.size()) == kOutOfSpace;
}

class Store {
 public:
  // 2: a pico's children are their own keys (k/), no longer a list in its p/ record.
  // 3: a pico whose record names a cluster slot has its entry in that slot (z/).
  static constexpr int kSchemaVersion = 3;

  struct Options {
    bool sync_commits = true;           // fsync the WAL before acknowledging
    size_t max_pending_batches = 4096;  // bounded commit queue
    // RocksDB's block cache (uncompressed blocks shared by all reads). A pico
    // that is not active is loaded by point reads and short scans; with the
    // data directory far larger than the cache, each miss is a file read and
    // a decompression (BENCHMARKS.md: listing children).
    size_t block_cache_bytes = size_t{128} << 20;
    // RocksDB's own option string ("key=value;..."; its names), applied over
    // spime's defaults when the directory is opened: for tuning and
    // measurements. An option RocksDB does not know fails the open.
    std::string rocksdb_options;
    // Called by the committer thread after each group commit (committer.h), for the metrics.
    Committer::GroupObserver on_commit_group;
    // Read every table file against its checksums when opening (RocksDB's
    // VerifyChecksum: the whole directory is read once); a corrupt one fails
    // the open ("data directory DIR is corrupt: ...").
    bool verify_checksums = true;
    // Writes are refused as a full disk (kOutOfSpace) while less than this
    // would stay free on the directory's filesystem: RocksDB must never meet
    // ENOSPC appending to its log (store.cpp says why). 0: no check.
    std::uint64_t min_free_bytes = std::uint64_t{64} << 20;
  };

  // A few of RocksDB's properties (its names in parentheses), for the metrics. A property
  // RocksDB cannot answer reads 0.
  struct Stats {
    uint64_t estimated_keys = 0;            // rocksdb.estimate-num-keys
    uint64_t block_cache_usage = 0;         // rocksdb.block-cache-usage (bytes)
    uint64_t block_cache_capacity = 0;      // rocksdb.block-cache-capacity (bytes)
    uint64_t memtable_bytes = 0;            // rocksdb.cur-size-all-mem-tables
    uint64_t pending_compaction_bytes = 0;  // rocksdb.estimate-pending-compaction-bytes
    uint64_t live_sst_bytes = 0;            // rocksdb.live-sst-files-size
    uint64_t running_compactions = 0;       // rocksdb.num-running-compactions
  };

  // Opens or creates DIR (and its parents). Returns nullptr and sets *error on failure.
  static std::unique_ptr<Store> open(const std::string& dir, const Options& options,
                                     std::string* error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // False when absent. A read that fails (corruption, an I/O error) also
  // answers false and is kept in read_failure(): the engine then stops
  // serving this store (runtime/reopening_engine.h), since what it just read
  // as absent may not be.
  bool get(std::string_view key, std::string* value) const;
  // Ordered (bytewise) scan of all keys starting with prefix; the callback returns false to
  // stop. The views are valid only during the callback. Sees a consistent snapshot.
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // As scan, over the keys in [begin, end) (end "" : no upper bound): one iterator seek, then
  // steps (a page of a log reads its blocks once instead of a point read per entry).
  void scan_range(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const;
  // Synchronous commit of one batch (sync as Options::sync_commits). False + *error.
  bool write(const WriteBatch& batch, std::string* error);

  Committer& committer() { return *committer_; }
  // The first read that failed (get, scan), or "" while none did. Any thread.
  std::string read_failure() const;
  // What checkpoint() answers. kDone: `dir` holds the copy; `sequence` is a RocksDB sequence
  // number the copy holds (every write up to it), `ms` how long the copy took.
  struct CheckpointResult {
    enum class Outcome {
      kDone,
      kBadPath,  // not absolute, parent missing or not writable, inside the data directory
      kExists,   // something already exists at that path
      kBusy,     // another checkpoint is running (one at a time)
      kNoSpace,  // the filesystem is full (nothing is left at `dir`)
      kFailed,   // any other I/O error, or the store is closing (nothing left at `dir`)
    };
    Outcome outcome = Outcome::kFailed;
    std::string error;  // for people; empty when kDone
    std::string dir;    // the path, lexically normalised
    uint64_t sequence = 0;
    int64_t ms = 0;
  };
  using CheckpointDone = std::function<void(const CheckpointResult&)>;

  // Starts a copy of the database into `dir` (absolute; must not exist; its parent must),
  // never blocking the caller (not even on a file system call): the path is checked and the
  // copy made on the store's own checkpoint thread, one at a time (a second call meanwhile is
  // answered kBusy at once). `done` is called exactly once: inline for kBusy (or a closing
  // store), else on the checkpoint thread once the path is refused or the copy is durable or
  // has failed; it must be quick (post onward). `before_copy`, when set, runs on the
  // checkpoint thread before anything else (tests hold a checkpoint there). Any thread.
  void checkpoint(const std::string& dir, CheckpointDone done,
                  std::function<void()> before_copy = nullptr);

  // Reads the properties of Stats; cheap (no I/O: RocksDB answers from memory). Any thread.
  Stats stats() const;
  bool is_fresh() const { return fresh_; }  // created by this open
  // The schema version the directory had when opened (kSchemaVersion when fresh). An older one
  // is upgraded by the runtime, which knows the records (runtime/records/pico_records.h), and then
  // recorded with set_schema_version in the upgrade's own batch.
  int opened_schema_version() const { return opened_version_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Impl;         // RocksDB handles and the directory lock; defined in store.cpp
  struct Checkpoints;  // the checkpoint thread and its one slot; defined in store.cpp
  Store() = default;

  std::string dir_;
  bool fresh_ = false;
  int opened_version_ = kSchemaVersion;
  bool sync_ = true;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Committer> committer_;      // declared after impl_: destroyed (drained) first
  std::unique_ptr<Checkpoints> checkpoints_;  // joined in ~Store before impl_ closes
};

}  // namespace spime::store
