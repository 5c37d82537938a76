#include "engine/runtime/timers/schedule_timer.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/metrics/metrics.h"
#include "engine/runtime/timers/cron.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

// How far past its due time (in its due key) a schedule fires at `now_ms`.
std::chrono::milliseconds lateness(const std::string& due_key, std::uint64_t now_ms) {
  std::uint64_t at = 0;
  std::string id;
  if (!store::keys::parse_schedule_due(due_key, &at, &id) || at >= now_ms) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(now_ms - at));
}

}  // namespace

ScheduleTimer::ScheduleTimer(store::Store& store, std::shared_ptr<const Clock> clock, Send send,
                             std::function<void(const std::string&)> log, Metrics* metrics)
    : store_(store),
      clock_(std::move(clock)),
      send_(std::move(send)),
      log_(std::move(log)),
      metrics_(metrics),
      thread_([this] { run(); }) {}

ScheduleTimer::~ScheduleTimer() {
  stop();
}

void ScheduleTimer::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  scanned_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ScheduleTimer::fire_due_now(std::chrono::milliseconds limit) {
  UniqueMutexLock lock(mu_);
  const std::uint64_t wanted = scans_started_ + 1;
  poked_ = true;
  wake_.notify_all();
  return scanned_.wait_for(lock.native(), limit, [&] {
    mu_.assert_held();
    return stopping_ || scans_done_ >= wanted;
  }) && !stopping_;
}

void ScheduleTimer::run() {
  UniqueMutexLock lock(mu_);
  while (!stopping_) {
    const std::uint64_t scan = ++scans_started_;
    poked_ = false;
    lock.unlock();
    fire_due(256);
    lock.lock();
    scans_done_ = scan;
    scanned_.notify_all();
    wake_.wait_for(lock.native(), std::chrono::milliseconds(250), [&] {
      mu_.assert_held();
      return stopping_ || poked_;
    });
  }
}

void ScheduleTimer::fire_due(size_t limit) {
  struct Due {
    std::string key, id, pico, rid;
  };
  std::vector<Due> due;
  const auto now = static_cast<std::uint64_t>(std::max<std::int64_t>(0, clock_->now_ms()));
  schedule_records::due(store_, now, limit,
                        [&](const std::string& key, const std::string& id, const std::string& pico,
                            const std::string& rid) {
                          due.push_back(Due{key, id, pico, rid});
                        });
  for (const Due& d : due) {
    store::WriteBatch batch;
    batch.erase(d.key);
    // Removed (schedule:remove, the ruleset or the pico gone) or unreadable:
    // nothing to send, the due key goes.
    krl::Value entry = schedule_records::load_entry(store_, d.pico, d.rid, d.id);
    if (!entry.is_null()) {
      schedule_records::EntryEvent ev = schedule_records::event_of(entry);
      api::Status sent = send_(api::EventRequest{ev.eci, ev.domain, ev.name, ev.attrs},
                               ScheduleFiring{d.rid, d.id, d.pico});
      if (sent.is_ok() && metrics_) metrics_->schedule_fired(lateness(d.key, now));
      bool channel_gone = sent.code() == api::Status::Code::kNotFound;
      if (!channel_gone && schedule_records::is_repeat(entry)) {
        std::string why;
        if (auto spec = CronSpec::parse(schedule_records::timespec_of(entry), &why)) {
          if (auto next = spec->next_after(static_cast<std::int64_t>(now))) {
            schedule_records::put_due(&batch, static_cast<std::uint64_t>(*next), d.id, d.pico,
                                      d.rid);
          }
        } else if (log_) {
          log_("schedule " + d.id + " with a bad timespec dropped: " + why);
        }
      }
    }
    std::string err;
    if (!store_.write(batch, &err) && log_) log_("could not update schedule " + d.id + ": " + err);
  }
}

}  // namespace spime::runtime
