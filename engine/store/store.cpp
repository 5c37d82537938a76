#include "engine/store/store.h"
#include "engine/base/thread_annotations.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include "engine/store/keys.h"

namespace spime::store {

struct Store::Impl {
  std::unique_ptr<rocksdb::DB> db;
  int lock_fd = -1;
  mutable Mutex read_failure_mu;
  // The first failed read.
  mutable std::string read_failure SPIME_GUARDED_BY(read_failure_mu);

  // After one failed write no other reaches RocksDB: its WAL writer, once it
  // has failed, asserts on the next write (RocksDB 7.8 built with
  // assertions, as Debian's is, aborts the process), and nothing written
  // after a lost write could be trusted anyway. Every writer (the committer,
  // write()) goes through write_batch().
  Mutex write_mu;
  std::string write_failure SPIME_GUARDED_BY(write_mu);  // the first failed write's error
  // Writes are refused (as a full disk) while the directory's filesystem has
  // less than this free: RocksDB 7.8 as Debian builds it aborts the process
  // when a WAL append meets ENOSPC (WritableFileWriter's assertion), so the
  // store must not let a write get that far. Room is left for a memtable
  // flush and a compaction too.
  std::string dir;
  std::uint64_t min_free_bytes = 0;

  bool write_batch(rocksdb::WriteBatch* batch, bool sync, std::string* error);

  void note_read_failure(const rocksdb::Status& s) const {
    MutexLock lock(read_failure_mu);
    if (read_failure.empty()) read_failure = "a read failed: " + s.ToString();
  }

  ~Impl() {
    if (db) {
      db->Close().PermitUncheckedError();
      db.reset();
    }
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
  }
};

// The checkpoint thread (started by the first checkpoint) and its one slot: a job is taken only
// when the slot is free, so nothing queues behind a running copy.
struct Store::Checkpoints {
  struct Job {
    std::string dir;
    CheckpointDone done;
    std::function<void()> before_copy;
  };

  Mutex mu;
  std::condition_variable wake;
  std::optional<Job> job SPIME_GUARDED_BY(mu);  // taken, or running, while set
  bool stopping SPIME_GUARDED_BY(mu) = false;
  // Started under mu by the first job; joined by the destructor after
  // `stopping` is set (without mu, which the thread takes).
  std::thread thread;

  ~Checkpoints() {
    {
      MutexLock lock(mu);
      stopping = true;
    }
    wake.notify_all();
    if (thread.joinable()) thread.join();
  }
};

namespace {

// A failed write's error, kOutOfSpace first when the disk was full.
std::string write_error(const rocksdb::Status& s) {
  return s.IsNoSpace() ? std::string(kOutOfSpace) + s.ToString() : s.ToString();
}

}  // namespace

bool Store::Impl::write_batch(rocksdb::WriteBatch* batch, bool sync, std::string* error) {
  MutexLock lock(write_mu);
  if (!write_failure.empty()) {
    if (error) *error = write_failure;
    return false;
  }
  struct statvfs fs {};
  if (min_free_bytes > 0 && ::statvfs(dir.c_str(), &fs) == 0 &&
      static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize <
          min_free_bytes + batch->GetDataSize()) {
    write_failure = std::string(kOutOfSpace) + "less than " + std::to_string(min_free_bytes >> 20) +
                    " MiB would stay free in " + dir + " (spime serve --min-free-mb)";
    if (error) *error = write_failure;
    return false;
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  rocksdb::Status s = db->Write(write_options, batch);
  if (s.ok()) return true;
  write_failure = write_error(s);
  if (error) *error = write_failure;
  return false;
}

namespace {

std::string in_use_message(const std::string& dir) {
  return "data directory " + dir + " is in use by another spime process";
}

void append_to(rocksdb::WriteBatch* out, const WriteBatch& batch) {
  for (const WriteBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case WriteBatch::Op::Kind::kPut:
        out->Put(op.key, op.value).PermitUncheckedError();
        break;
      case WriteBatch::Op::Kind::kErase:
        out->Delete(op.key).PermitUncheckedError();
        break;
      case WriteBatch::Op::Kind::kErasePrefix: {
        std::string end = keys::prefix_end(op.key);
        if (!op.key.empty() && !end.empty()) out->DeleteRange(op.key, end).PermitUncheckedError();
        break;
      }
    }
  }
}

// A flock held on an open file description: it conflicts with any other open() of the file,
// in this process or another, and dies with the process (no stale locks after a crash).
bool take_dir_lock(const std::string& dir, int* fd_out, std::string* error) {
  std::string path = dir + "/spime.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    *error = err == EWOULDBLOCK ? in_use_message(dir)
                                : "cannot lock " + path + ": " + std::strerror(err);
    return false;
  }
  *fd_out = fd;
  return true;
}

// Parses a stored schema version; -1 when it is not a plain non-negative decimal.
long parse_version(const std::string& text) {
  if (text.empty() || text.size() > 9) return -1;
  long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Whether the directory's level targets are computed from its last level:
// yes for a new one; an existing one keeps what its RocksDB options file
// says (RocksDB does not reshape a tree when the setting changes).
bool dynamic_level_sizes(const std::string& dir, bool had_database) {
  if (!had_database) return true;
  rocksdb::ConfigOptions config;
  config.ignore_unknown_options = true;
  rocksdb::DBOptions db;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  if (!rocksdb::LoadLatestOptions(config, dir, &db, &families).ok()) return false;
  for (const auto& family : families) {
    if (family.name == rocksdb::kDefaultColumnFamilyName)
      return family.options.level_compaction_dynamic_level_bytes;
  }
  return false;
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& dir, const Options& options,
                                   std::string* error) {
  std::string scratch;
  if (!error) error = &scratch;
  if (dir.empty()) {
    *error = "data directory path is empty";
    return nullptr;
  }

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create data directory " + dir + ": " + ec.message();
    return nullptr;
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    *error = "data directory " + dir + " is not a directory";
    return nullptr;
  }

  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->checkpoints_ = std::make_unique<Checkpoints>();
  store->sync_ = options.sync_commits;
  store->impl_ = std::make_unique<Impl>();
  if (!take_dir_lock(dir, &store->impl_->lock_fd, error)) return nullptr;

  bool had_database = std::filesystem::exists(dir + "/CURRENT", ec);

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.keep_log_file_num = 5;
  // Smaller memtables than RocksDB's 64 MiB default: our writes overwrite the
  // same few keys per pico, so a small skiplist holds the live data, inserts
  // stay cache-friendly (about +5 % heartbeats/s in BENCHMARKS.md) and the
  // resident set is about 50 MB smaller.
  db_options.write_buffer_size = 8 << 20;
  // Level sizes that match those memtables. Every heartbeat overwrites a few
  // records of its pico and appends to logs that grow until their retention,
  // all over the key space. With RocksDB's 256 MiB first level (sized for
  // 64 MiB memtables), each flush-sized merge rewrote the whole first level,
  // which held nearly all the logs: compaction cost grew with the data and
  // the heartbeat rate fell over a long run (BENCHMARKS.md). A first level
  // the size of the level-0 trigger (4 x 8 MiB), files of 8 MiB, and level
  // targets computed from the last level keep each merge a bounded slice
  // (RocksDB advises against switching those on for an existing database:
  // a directory made before keeps its fixed targets).
  db_options.level_compaction_dynamic_level_bytes = dynamic_level_sizes(dir, had_database);
  db_options.max_bytes_for_level_base = 32 << 20;
  db_options.target_file_size_base = 8 << 20;
  // A bloom filter per table file: most point reads that find nothing (an
  // entity variable never set, a delivery never made) skip the file's blocks.
  // Index and filter blocks stay with their table readers (RocksDB's
  // default), outside the block cache: in it, with a data directory three
  // times the cache, data blocks evicted them and every read fetched a
  // table's whole index and filter again (BENCHMARKS.md).
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (!options.rocksdb_options.empty()) {
    rocksdb::ConfigOptions config;
    config.ignore_unknown_options = false;
    rocksdb::Options tuned;
    rocksdb::Status parsed =
        rocksdb::GetOptionsFromString(config, db_options, options.rocksdb_options, &tuned);
    if (!parsed.ok()) {
      *error = "bad RocksDB options '" + options.rocksdb_options + "': " + parsed.ToString();
      return nullptr;
    }
    db_options = tuned;
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, dir, &raw);
  if (!status.ok()) {
    // Our flock should have caught a concurrent holder; RocksDB's LOCK is the backstop.
    std::string text = status.ToString();
    if (status.IsIOError() && text.find("lock") != std::string::npos) {
      *error = in_use_message(dir);
    } else {
      *error = "cannot open data directory " + dir + ": " + text;
    }
    return nullptr;
  }
  store->impl_->db.reset(raw);
  store->impl_->dir = dir;
  store->impl_->min_free_bytes = options.min_free_bytes;
  if (options.verify_checksums) {
    // Every table file's blocks against their checksums: a corrupt one is a
    // refusal to start, not wrong answers later.
    rocksdb::Status verified = store->impl_->db->VerifyChecksum();
    if (!verified.ok()) {
      *error = "data directory " + dir + " is corrupt: " + verified.ToString() +
               " (spime will not serve it: restore a backup, `spime backup`)";
      return nullptr;
    }
  }

  std::string version_text;
  bool has_version = store->get(keys::schema_version(), &version_text);
  bool empty = true;
  if (!has_version) {
    store->scan("", [&](std::string_view, std::string_view) {
      empty = false;
      return false;
    });
  }
  if (has_version) {
    long version = parse_version(version_text);
    if (version < 0) {
      *error = "data directory " + dir + " has an unreadable schema version";
      return nullptr;
    }
    store->opened_version_ = static_cast<int>(version);
    if (version > kSchemaVersion) {
      *error = "data directory " + dir + " has schema version " + std::to_string(version) +
               "; this spime reads up to " + std::to_string(kSchemaVersion);
      return nullptr;
    }
  } else if (!empty) {
    *error = "data directory " + dir + " holds a database that is not spime's (no schema version)";
    return nullptr;
  } else {
    // Fresh, or created by an open that crashed before writing its schema version.
    WriteBatch init;
    init.put(keys::schema_version(), std::to_string(kSchemaVersion));
    std::string write_error;
    if (!store->write(init, &write_error)) {
      *error = "cannot initialise data directory " + dir + ": " + write_error;
      return nullptr;
    }
  }
  store->fresh_ = !had_database || !has_version;

  bool sync = options.sync_commits;
  store->committer_ = std::make_unique<Committer>(
      [impl = store->impl_.get(), sync](const std::vector<const WriteBatch*>& group,
                                        std::string* err) {
        rocksdb::WriteBatch combined;
        for (const WriteBatch* batch : group) append_to(&combined, *batch);
        return impl->write_batch(&combined, sync, err);
      },
      sync, options.max_pending_batches, options.on_commit_group);
  return store;
}

Store::Stats Store::stats() const {
  rocksdb::DB* db = impl_->db.get();
  auto property = [db](const std::string& name) {
    uint64_t value = 0;
    return db->GetIntProperty(name, &value) ? value : 0;
  };
  Stats s;
  s.estimated_keys = property(rocksdb::DB::Properties::kEstimateNumKeys);
  s.block_cache_usage = property(rocksdb::DB::Properties::kBlockCacheUsage);
  s.block_cache_capacity = property(rocksdb::DB::Properties::kBlockCacheCapacity);
  s.memtable_bytes = property(rocksdb::DB::Properties::kCurSizeAllMemTables);
  s.pending_compaction_bytes = property(rocksdb::DB::Properties::kEstimatePendingCompactionBytes);
  s.live_sst_bytes = property(rocksdb::DB::Properties::kLiveSstFilesSize);
  s.running_compactions = property(rocksdb::DB::Properties::kNumRunningCompactions);
  return s;
}

Store::~Store() {
  checkpoints_.reset();  // a copy in progress finishes while the database is still open
  committer_.reset();    // drain queued batches while the database is still open
  impl_.reset();
}

namespace {

using CheckpointResult = Store::CheckpointResult;

CheckpointResult refusal(CheckpointResult::Outcome outcome, std::string dir, std::string error) {
  CheckpointResult r;
  r.outcome = outcome;
  r.dir = std::move(dir);
  r.error = std::move(error);
  return r;
}

// Whether `path` is `dir` or lies under it (both absolute and lexically normal).
bool inside(const std::filesystem::path& path, const std::filesystem::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // the trailing "" of "/a/b/"
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

// The refusals a checkpoint's path earns before any work; nullopt when it may go ahead.
std::optional<CheckpointResult> check_checkpoint_path(const std::string& text,
                                                      const std::string& data_dir,
                                                      std::string* normal) {
  namespace fs = std::filesystem;
  using Outcome = CheckpointResult::Outcome;
  fs::path path = fs::path(text).lexically_normal();
  if (path.has_filename() == false && path.has_parent_path()) path = path.parent_path();
  *normal = path.string();
  if (text.empty() || !path.is_absolute()) {
    return refusal(Outcome::kBadPath, *normal, "the backup directory must be an absolute path");
  }
  if (path == path.root_path()) {
    return refusal(Outcome::kBadPath, *normal, "the backup directory cannot be /");
  }
  std::error_code ec;
  fs::path data = fs::weakly_canonical(fs::absolute(data_dir, ec), ec).lexically_normal();
  fs::path resolved = fs::weakly_canonical(path, ec).lexically_normal();
  if (!data.empty() && (inside(resolved, data) || inside(path, data))) {
    return refusal(Outcome::kBadPath, *normal,
                   "the backup directory " + *normal + " is inside the data directory");
  }
  if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
    return refusal(Outcome::kExists, *normal, *normal + " already exists");
  }
  const fs::path parent = path.parent_path();
  if (!fs::is_directory(parent, ec)) {
    return refusal(Outcome::kBadPath, *normal,
                   "the parent directory " + parent.string() + " does not exist");
  }
  if (::access(parent.c_str(), W_OK) != 0) {
    return refusal(Outcome::kBadPath, *normal,
                   "cannot write in " + parent.string() + ": " + std::strerror(errno));
  }
  return std::nullopt;
}

// The directory entry of `path` made durable: fsync of its parent.
bool sync_parent(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool ok = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

// Runs one checkpoint on the calling (checkpoint) thread.
CheckpointResult run_checkpoint(rocksdb::DB* db, const std::string& dir) {
  using Outcome = CheckpointResult::Outcome;
  const auto start = std::chrono::steady_clock::now();
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db, &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  uint64_t sequence = 0;
  // log_size_for_flush 0: flush first (see store.h, "Online backups").
  // On failure RocksDB removes its staging directory (DIR.tmp) and never renames it to DIR.
  if (s.ok()) s = checkpoint->CreateCheckpoint(dir, 0, &sequence);
  if (s.ok() && !sync_parent(dir)) {
    const std::string why = std::strerror(errno);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);  // ours: made by the call that just succeeded
    s = rocksdb::Status::IOError("cannot sync the parent of " + dir + ": " + why);
  }
  if (!s.ok()) {
    const bool no_space = s.IsNoSpace() || s.ToString().find("No space") != std::string::npos;
    return refusal(no_space ? Outcome::kNoSpace : Outcome::kFailed, dir,
                   "backup to " + dir + " failed: " + s.ToString());
  }
  CheckpointResult r;
  r.outcome = Outcome::kDone;
  r.dir = dir;
  r.sequence = sequence;
  r.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
             .count();
  return r;
}

}  // namespace

void Store::checkpoint(const std::string& dir, CheckpointDone done,
                       std::function<void()> before_copy) {
  // Only the slot is looked at here (no file system call on the caller's
  // thread, which may be an HTTP I/O thread); the path is checked on the
  // checkpoint thread.
  const std::string lexical = std::filesystem::path(dir).lexically_normal().string();
  Checkpoints& c = *checkpoints_;
  {
    MutexLock lock(c.mu);
    if (c.stopping) {
      return done(refusal(CheckpointResult::Outcome::kFailed, lexical, "the store is closing"));
    }
    if (c.job) {
      return done(refusal(CheckpointResult::Outcome::kBusy, lexical,
                          "a backup is already running; try again when it ends"));
    }
    c.job = Checkpoints::Job{dir, std::move(done), std::move(before_copy)};
    if (!c.thread.joinable()) {
      rocksdb::DB* db = impl_->db.get();
      const std::string data_dir = dir_;
      c.thread = std::thread([&c, db, data_dir] {
        UniqueMutexLock held(c.mu);
        for (;;) {
          c.wake.wait(held.native(), [&c] {
            c.mu.assert_held();
            return c.stopping || (c.job && c.job->done);
          });
          if (!c.job) return;  // stopping, nothing to do
          Checkpoints::Job job = std::move(*c.job);
          c.job->done = nullptr;  // taken; the slot stays busy while it runs
          held.unlock();
          if (job.before_copy) job.before_copy();
          std::string normal;
          std::optional<CheckpointResult> r = check_checkpoint_path(job.dir, data_dir, &normal);
          if (!r) r = run_checkpoint(db, normal);
          held.lock();
          c.job.reset();  // free before the answer: a request after it is not refused
          held.unlock();
          job.done(*r);
          held.lock();
          if (c.stopping) return;
        }
      });
    }
  }
  c.wake.notify_one();
}

bool Store::get(std::string_view key, std::string* value) const {
  std::string scratch;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()),
                                     value ? value : &scratch);
  if (!s.ok() && !s.IsNotFound()) impl_->note_read_failure(s);
  return s.ok();
}

void Store::scan(std::string_view prefix,
                 const std::function<bool(std::string_view, std::string_view)>& visit) const {
  scan_range(prefix, keys::prefix_end(prefix), visit);
}

void Store::scan_range(std::string_view begin, std::string_view end,
                       const std::function<bool(std::string_view, std::string_view)>& visit) const {
  rocksdb::ReadOptions read_options;
  rocksdb::Slice end_slice(end.data(), end.size());
  if (!end.empty()) read_options.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(read_options));
  for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!visit(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  if (!it->status().ok()) impl_->note_read_failure(it->status());
}

std::string Store::read_failure() const {
  MutexLock lock(impl_->read_failure_mu);
  return impl_->read_failure;
}

bool Store::write(const WriteBatch& batch, std::string* error) {
  rocksdb::WriteBatch rb;
  append_to(&rb, batch);
  return impl_->write_batch(&rb, sync_, error);
}

}  // namespace spime::store
