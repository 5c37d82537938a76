#include "engine/runtime/timers/schedule_timer.h"

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "engine/krl/value.h"
#include "engine/runtime/timers/cron.h"
#include "engine/store/keys.h"
#include "engine/store/store.h"

namespace spime::runtime {

namespace {

std::uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// The event a schedule record sends; nullopt when the record has none.
std::optional<api::EventRequest> event_of(const krl::Value& rec) {
  const krl::Value* ev = rec.is_map() ? rec.as_map().find("event") : nullptr;
  if (!ev || !ev->is_map()) return std::nullopt;
  auto field = [&](const char* k) {
    const krl::Value* v = ev->as_map().find(k);
    return v && v->is_string() ? v->as_string() : std::string();
  };
  const krl::Value* attrs = ev->as_map().find("attrs");
  return api::EventRequest{field("eci"), field("domain"), field("name"),
                           attrs ? *attrs : krl::Value(krl::Map())};
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
  store_.scan(store::keys::schedule_due_prefix(), [&](std::string_view key, std::string_view) {
    std::uint64_t at = 0;
    std::string id;
    if (!store::keys::parse_schedule_due(key, &at, &id) || at > now) return false;
    due.emplace_back(std::string(key), std::move(id));
    return due.size() < limit;
  });
  for (auto& [due_key, id] : due) {
    std::string json, err;
    krl::Value rec;
    if (!store_.get(store::keys::schedule(id), &json) || !krl::parse_json(json, &rec, &err, 512)) {
      rec = krl::Value();  // removed (or unreadable): nothing to send, drop the due key
    }
    bool channel_gone = false;
    if (auto event = event_of(rec))
      channel_gone = send_(std::move(*event), id).code() == api::Status::Code::kNotFound;

    std::optional<std::int64_t> next;
    const krl::Value* ts = rec.is_map() ? rec.as_map().find("timespec") : nullptr;
    if (!channel_gone && ts && ts->is_string()) {
      std::string why;
      if (auto spec = CronSpec::parse(ts->as_string(), &why)) {
        next = spec->next_after(static_cast<std::int64_t>(now));
      } else if (log_) {
        log_("schedule " + id + " with a bad timespec dropped: " + why);
      }
    }
    store::WriteBatch batch;
    batch.erase(due_key);
    if (next) {
      // A repeat keeps its record; only its due key moves. A schedule:remove
      // racing with this leaves a due key without a record, dropped when due.
      batch.put(store::keys::schedule_due(static_cast<std::uint64_t>(*next), id), "");
    } else {
      batch.erase(store::keys::schedule(id));
    }
    if (!store_.write(batch, &err) && log_) log_("could not update schedule " + id + ": " + err);
  }
}

}  // namespace spime::runtime
