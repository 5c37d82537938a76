#include "engine/runtime/outbound/outbox.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/krl/value.h"
#include "engine/logging/log.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

using api::Status;
using std::chrono::milliseconds;

namespace {

// A failed destination is logged at its first failure and then every
// kLogEvery attempts, so a long outage costs a few lines, not one per try.
constexpr unsigned kLogEvery = 20;

RemoteEvent remote_event(const OutboxRecord& r, const std::string& engine_id) {
  return RemoteEvent{r.host, r.eci, r.domain, r.name, r.body, engine_id, r.seq};
}

// The POST's url as a log line shows it: the ECI shortened (a capability).
std::string shown_url(const RemoteEvent& e) {
  std::string host = e.host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host + "/c/" + logging::short_eci(e.eci) + "/event/" + e.domain + "/" + e.name;
}

std::string body_of(const OutgoingEvent& e) {
  return krl::encode_json(e.attrs.is_map() ? e.attrs : krl::Value(krl::Map()));
}

}  // namespace

milliseconds outbox_backoff(unsigned attempts, milliseconds first_retry, milliseconds max_retry,
                            double unit) {
  if (attempts < 1) attempts = 1;
  double base = static_cast<double>(std::max<std::int64_t>(first_retry.count(), 1));
  double cap = static_cast<double>(std::max<std::int64_t>(max_retry.count(), 1));
  // 2^(attempts - 1) without overflow: past 2^40 every sane cap is reached.
  double delay =
      std::min(cap, base * std::ldexp(1.0, static_cast<int>(std::min(attempts, 41u)) - 1));
  unit = std::clamp(unit, 0.0, 1.0);
  delay = std::min(cap, delay * (0.75 + 0.5 * unit));
  return milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(delay)));
}

Outbox::Outbox(store::Store& store, Options options, Log log, std::string engine_id)
    : store_(store),
      options_(options),
      log_(std::move(log)),
      engine_id_(std::move(engine_id)),
      jitter_(static_cast<std::minstd_rand::result_type>(
          std::chrono::steady_clock::now().time_since_epoch().count())) {
  std::size_t bad = 0;
  {  // no worker runs yet: the lock is for the analysis (and costs nothing)
    MutexLock lock(mu_);
    outbox_records::scan(
        store_,
        [this](OutboxRecord&& r) {
          mu_.assert_held();  // scan() calls back on this thread, within `lock`
          next_seq_ = std::max(next_seq_, r.seq + 1);
          add_locked(std::move(r));
        },
        [this, &bad](const std::string& key) {
          ++bad;
          emit("outbox: ignoring a stored record that does not parse (key of " +
               std::to_string(key.size()) + " bytes)");
        });
    count_ = in_memory_;
    // Every seq handed out before is below the reservation: none is given again.
    next_seq_ = std::max(next_seq_, outbox_records::reserved_seq(store_));
    reserved_ = next_seq_;  // the first stage() reserves a block
    if (const char* delay = std::getenv(kTestSettleDelayEnv)) {
      settle_delay_ = milliseconds(std::strtoll(delay, nullptr, 10));
      emit(std::string("outbox: test hook ") + kTestSettleDelayEnv + "=" + delay);
    }
    if (in_memory_ > 0) {
      emit("outbox: " + std::to_string(in_memory_) + " event(s) waiting for " +
           std::to_string(destinations_.size()) + " destination(s), delivery resumes");
    }
  }
  std::size_t n = std::max<std::size_t>(1, options_.workers);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { run(); });
}

Outbox::~Outbox() {
  stop();
}

void Outbox::stop() {
  MutexLock join(join_mu_);
  {
    UniqueMutexLock lock(mu_);
    stopping_ = true;
    work_cv_.notify_all();
    // The POSTs in flight get kStopGrace to finish; then they are cut off (a
    // retry outcome: their events stay for the next start).
    if (!idle_cv_.wait_for(lock.native(), kStopGrace, [this] {
          mu_.assert_held();
          return in_flight_ == 0;
        })) {
      abort_posts_.store(true);
    }
  }
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

// ---- the sending transaction ------------------------------------------------------------------

Status Outbox::stage(std::vector<OutgoingEvent>& events, store::WriteBatch* batch, Staged* staged) {
  std::vector<OutgoingEvent*> remote;
  for (OutgoingEvent& e : events) {
    if (e.host.empty()) continue;
    // The host stays as it was when it is refused: an event with a host is
    // never mistaken for a local one (not even a host of only '/').
    std::string host = outbox_records::normalize_host(e.host);
    std::string why = outbox_records::invalid_destination(host, e.eci);
    if (why.empty()) why = remote_host_error(host);
    if (!why.empty()) {
      staged->dropped.push_back("outbox: event:send to " + e.host + " (eci " +
                                logging::short_eci(e.eci) + ") dropped: " + why);
      continue;
    }
    e.host = std::move(host);
    remote.push_back(&e);
  }
  if (remote.empty()) return Status::ok();
  std::uint64_t first = 0;
  {
    MutexLock lock(mu_);
    if (count_ + remote.size() > options_.capacity) {
      return Status::unavailable("the outbox for other engines is full (" +
                                 std::to_string(options_.capacity) + " events wait), retry later");
    }
    if (next_seq_ + remote.size() > reserved_) {
      std::uint64_t below = next_seq_ + remote.size() + kSeqBlock;
      std::string error;
      if (!outbox_records::reserve_seq(store_, below, &error)) {
        return Status::unavailable("the outbox cannot reserve event ids: " + error);
      }
      reserved_ = below;
    }
    count_ += remote.size();
    first = next_seq_;
    next_seq_ += remote.size();
  }
  staged->reserved += remote.size();
  std::int64_t now = wall_ms();
  for (OutgoingEvent* e : remote) {
    OutboxRecord r{e->host, e->eci, first++, e->domain, e->name, now, body_of(*e)};
    outbox_records::put(batch, r);
    e->outbox_seq = r.seq;
    e->outbox_created_ms = now;
  }
  return Status::ok();
}

void Outbox::unstage(const Staged& staged) {
  if (staged.reserved == 0) return;
  MutexLock lock(mu_);
  count_ -= std::min(count_, staged.reserved);
}

void Outbox::submitted(const Staged& staged) {
  for (const std::string& line : staged.dropped) emit(line);
}

void Outbox::committed(const std::vector<OutgoingEvent>& events) {
  bool added = false;
  {
    MutexLock lock(mu_);
    for (const OutgoingEvent& e : events) {
      if (e.host.empty() || e.outbox_seq == 0) continue;
      add_locked(OutboxRecord{e.host, e.eci, e.outbox_seq, e.domain, e.name, e.outbox_created_ms,
                              body_of(e)});
      added = true;
    }
  }
  if (added) work_cv_.notify_all();
}

void Outbox::add_locked(OutboxRecord r) {
  DestKey key{r.host, r.eci};
  auto it = destinations_.find(key);
  if (it == destinations_.end()) {
    it = destinations_.emplace(key, Destination{}).first;
    it->second.host = r.host;
    it->second.eci = r.eci;
  }
  Destination& d = it->second;
  std::uint64_t seq = r.seq;
  if (!d.records.emplace(seq, std::move(r)).second) return;  // already there
  ++in_memory_;
  if (d.state == State::kIdle) {
    d.state = State::kReady;
    ready_.push_back(&d);
  }
}

// ---- delivery ---------------------------------------------------------------------------------

void Outbox::run() {
  UniqueMutexLock lock(mu_);
  for (;;) {
    if (stopping_) return;
    auto now = Clock::now();
    while (!backoff_.empty() && backoff_.begin()->first <= now) {
      Destination* d = backoff_.begin()->second;
      backoff_.erase(backoff_.begin());
      d->state = State::kReady;
      ready_.push_back(d);
    }
    if (ready_.empty()) {
      if (backoff_.empty()) {
        work_cv_.wait(lock.native());
      } else {
        // A copy: wait_until reads its deadline again after waking, when
        // another worker may have erased this entry (ASan found it).
        const Clock::time_point next = backoff_.begin()->first;
        work_cv_.wait_until(lock.native(), next);
      }
      continue;
    }
    Destination* d = ready_.front();
    ready_.pop_front();
    d->state = State::kInFlight;
    OutboxRecord r = d->records.begin()->second;
    ++in_flight_;
    lock.unlock();

    RemoteEvent event = remote_event(r, engine_id_);
    PostOutcome out = post_remote_event(event, options_.timeout, &abort_posts_);
    if (out.kind == PostOutcome::Kind::kAccepted && settle_delay_.count() > 0) {
      std::this_thread::sleep_for(settle_delay_);  // the test hook: widen the window
    }
    if (out.kind != PostOutcome::Kind::kRetry) erase_record(r);

    lock.lock();
    --in_flight_;
    settle_locked(*d, r.seq, out, shown_url(event));
    idle_cv_.notify_all();
  }
}

void Outbox::settle_locked(Destination& d, std::uint64_t seq, const PostOutcome& out,
                           const std::string& url) {
  if (out.kind == PostOutcome::Kind::kRetry) {
    ++d.attempts;
    d.last_error = out.error;
    milliseconds wait = outbox_backoff(d.attempts, options_.first_retry, options_.max_retry,
                                       std::uniform_real_distribution<double>(0, 1)(jitter_));
    d.next_attempt = Clock::now() + wait;
    d.state = State::kBackoff;
    backoff_.emplace(d.next_attempt, &d);
    if (d.attempts == 1 || d.attempts % kLogEvery == 0) {
      emit("outbox: POST " + url + ": " + out.error + " (attempt " + std::to_string(d.attempts) +
           ", " + std::to_string(d.records.size()) + " waiting; next try in " +
           std::to_string(wait.count()) + " ms)");
    }
    return;
  }
  if (out.kind == PostOutcome::Kind::kAccepted) {
    ++delivered_;
    if (d.attempts > 0) {
      emit("outbox: POST " + url + ": delivered after " + std::to_string(d.attempts + 1) +
           " attempts");
    }
    d.last_error.clear();
  } else {
    ++dropped_;
    emit("outbox: POST " + url + ": dropped, refused for good: " + out.error);
    d.last_error = out.error;
  }
  d.attempts = 0;
  if (d.records.erase(seq) > 0) {
    --in_memory_;
    --count_;
  }
  if (d.records.empty()) {
    destinations_.erase(DestKey{d.host, d.eci});  // d is gone
    idle_cv_.notify_all();
    return;
  }
  d.state = State::kReady;
  ready_.push_back(&d);
  work_cv_.notify_one();
}

void Outbox::erase_record(const OutboxRecord& r) {
  store::WriteBatch batch;
  outbox_records::erase(&batch, r);
  store::WriteBatch copy = batch;
  if (store_.committer().try_submit(std::move(batch)) != 0) return;
  // The committer is full or closing: write it ourselves.
  std::string error;
  if (!store_.write(copy, &error)) {
    emit("outbox: could not delete the record of a delivered event to " + r.host + " (eci " +
         logging::short_eci(r.eci) + "): " + error + "; it may be posted again after a restart");
  }
}

// ---- visibility -------------------------------------------------------------------------------

api::OutboxStatus Outbox::status() const {
  MutexLock lock(mu_);
  api::OutboxStatus s;
  s.capacity = options_.capacity;
  s.waiting = count_;
  s.delivered = delivered_;
  s.dropped = dropped_;
  auto now = Clock::now();
  std::int64_t wall = wall_ms();
  for (const auto& [key, d] : destinations_) {
    api::OutboxDestination o;
    o.host = d.host;
    o.eci = d.eci;
    o.waiting = d.records.size();
    std::int64_t oldest = wall;
    for (const auto& [seq, r] : d.records) oldest = std::min(oldest, r.created_ms);
    o.oldest_age_ms = std::max<std::int64_t>(0, wall - oldest);
    o.attempts = d.attempts;
    o.last_error = d.last_error;
    o.in_flight = d.state == State::kInFlight;
    if (d.state == State::kBackoff && d.next_attempt > now) {
      o.next_attempt_ms = std::chrono::duration_cast<milliseconds>(d.next_attempt - now).count();
    }
    s.destinations.push_back(std::move(o));
  }
  return s;
}

std::size_t Outbox::size() const {
  MutexLock lock(mu_);
  return count_;
}

bool Outbox::wait_idle(milliseconds max_wait) const {
  UniqueMutexLock lock(mu_);
  return idle_cv_.wait_for(lock.native(), max_wait, [this] {
    mu_.assert_held();
    return count_ == 0 && in_flight_ == 0;
  });
}

void Outbox::emit(const std::string& line) const {
  if (!log_) return;
  try {
    log_(line);
  } catch (...) {  // a throwing logger must not kill a worker
  }
}

}  // namespace spime::runtime
