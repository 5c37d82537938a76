#include "engine/runtime/timers/schedule_timer.h"

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/timers/cron.h"
#include "engine/runtime/timers/schedule_records.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

std::uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace

ScheduleTimer::ScheduleTimer(store::Store& store, Send send,
                             std::function<void(const std::string&)> log)
    : store_(store), send_(std::move(send)), log_(std::move(log)), thread_([this] { run(); }) {}

ScheduleTimer::~ScheduleTimer() {
  stop();
}

void ScheduleTimer::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScheduleTimer::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    fire_due(256);
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(250), [&] { return stopping_; });
  }
}

void ScheduleTimer::fire_due(size_t limit) {
  std::vector<std::pair<std::string, std::string>> due;  // (due key, id)
  const std::uint64_t now = now_ms();
  schedule_records::due(store_, now, limit, [&](const std::string& key, const std::string& id) {
    due.emplace_back(key, id);
  });
  for (auto& [due_key, id] : due) {
    ScheduleRecord rec;
    bool channel_gone = false;
    std::optional<std::uint64_t> next;
    // Removed (or unreadable): nothing to send, the due key goes.
    if (schedule_records::load(store_, id, &rec)) {
      api::EventRequest event{rec.eci, rec.domain, rec.name, rec.attrs};
      channel_gone = send_(std::move(event), id).code() == api::Status::Code::kNotFound;
      if (!channel_gone && rec.kind == ScheduleRecord::Kind::kRepeat) {
        std::string why;
        if (auto spec = CronSpec::parse(rec.timespec, &why)) {
          if (auto n = spec->next_after(static_cast<std::int64_t>(now))) {
            next = static_cast<std::uint64_t>(*n);
          }
        } else if (log_) {
          log_("schedule " + id + " with a bad timespec dropped: " + why);
        }
      }
    }
    store::WriteBatch batch;
    schedule_records::fired(&batch, due_key, id, next);
    std::string err;
    if (!store_.write(batch, &err) && log_) log_("could not update schedule " + id + ": " + err);
  }
}

}  // namespace spime::runtime
