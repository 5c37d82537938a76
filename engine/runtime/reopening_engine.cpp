// ReopeningEngine. See reopening_engine.h.
#include "engine/runtime/reopening_engine.h"

#include <algorithm>
#include <utility>

#include "engine/runtime/storage_status.h"

namespace spime::runtime {

namespace {

// What a call gets while the directory is reopened: as the failed write's
// own client got (storage_status.h).
api::Status storage_refusal(const std::string& why) {
  api::Status s = commit_failure(why);
  return api::Status(s.code(), "storage failed, " + s.message());
}

}  // namespace

ReopeningEngine::ReopeningEngine(std::unique_ptr<Engine> first, EngineOptions engine_options,
                                 Options options)
    : engine_options_(std::move(engine_options)),
      options_(std::move(options)),
      engine_(std::move(first)) {
  supervisor_ = std::thread([this] { supervise(); });
}

ReopeningEngine::~ReopeningEngine() {
  stop();
}

std::shared_ptr<Engine> ReopeningEngine::current() const {
  MutexLock lock(mu_);
  return engine_;
}

std::uint64_t ReopeningEngine::reopened() const {
  MutexLock lock(mu_);
  return reopened_;
}

void ReopeningEngine::request_stop() {
  std::shared_ptr<Engine> engine;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    engine = engine_;
  }
  wake_.notify_all();
  if (engine) engine->request_stop();
}

void ReopeningEngine::stop() {
  request_stop();
  if (supervisor_.joinable()) supervisor_.join();
  std::shared_ptr<Engine> engine = current();
  if (engine) engine->shutdown();
}

api::Status ReopeningEngine::refusal() const {
  MutexLock lock(mu_);
  return storage_refusal(failure_ + " (reopening the data directory)");
}

template <class T, class Call>
void ReopeningEngine::forward(api::Done<T>& done, Call&& call) {
  std::shared_ptr<Engine> engine = current();
  if (!engine) return done(refusal());
  call(*engine);
}

void ReopeningEngine::supervise() {
  std::chrono::milliseconds backoff = options_.retry;
  UniqueMutexLock lock(mu_);
  while (!stopping_) {
    if (engine_) {
      wake_.wait_for(lock.native(), options_.poll);
      if (stopping_ || !engine_) continue;
      std::optional<std::string> failure = engine_->storage_failure();
      if (!failure) continue;
      // From here on new calls are refused; the failed engine answers what
      // it admitted while it shuts down.
      std::shared_ptr<Engine> failed = std::move(engine_);
      engine_.reset();
      failure_ = *failure;
      backoff = options_.retry;
      lock.unlock();
      if (options_.log)
        options_.log("storage failed: " + *failure + "; reopening " + engine_options_.data_dir);
      failed->request_stop();
      failed->shutdown();
      failed.reset();  // closes the store once no call holds it
      lock.lock();
      continue;
    }
    wake_.wait_for(lock.native(), backoff);
    if (stopping_) break;
    lock.unlock();
    std::string error;
    std::unique_ptr<Engine> fresh = Engine::open(engine_options_, &error);
    if (fresh && options_.on_open) options_.on_open(*fresh);
    lock.lock();
    if (!fresh) {
      if (options_.log) options_.log("reopening " + engine_options_.data_dir + ": " + error);
      backoff = std::min(backoff * 2, options_.max_retry);
      continue;
    }
    if (stopping_) {
      lock.unlock();
      fresh->shutdown();
      lock.lock();
      break;
    }
    engine_ = std::move(fresh);
    ++reopened_;
    if (options_.log) options_.log("reopened " + engine_options_.data_dir);
  }
}

// ---- api::EngineApi -----------------------------------------------------------------------

void ReopeningEngine::event_wait(api::EventRequest event, api::Done<api::EventResult> done) {
  forward(done, [&](Engine& e) { e.event_wait(std::move(event), std::move(done)); });
}

void ReopeningEngine::event(api::EventRequest event, api::Done<std::string> done) {
  forward(done, [&](Engine& e) { e.event(std::move(event), std::move(done)); });
}

void ReopeningEngine::event_query(api::EventRequest event, api::QueryRequest query,
                                  api::Done<krl::Value> done) {
  forward(done,
          [&](Engine& e) { e.event_query(std::move(event), std::move(query), std::move(done)); });
}

void ReopeningEngine::query(api::QueryRequest query, api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.query(std::move(query), std::move(done)); });
}

void ReopeningEngine::flush(std::string eci, std::string url, api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.flush(std::move(eci), std::move(url), std::move(done)); });
}

void ReopeningEngine::ui_context(api::Done<api::UiContext> done) {
  forward(done, [&](Engine& e) { e.ui_context(std::move(done)); });
}

void ReopeningEngine::outbox(api::Done<api::OutboxStatus> done) {
  forward(done, [&](Engine& e) { e.outbox(std::move(done)); });
}

void ReopeningEngine::prototypes(api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.prototypes(std::move(done)); });
}

void ReopeningEngine::ruleset_errors(api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.ruleset_errors(std::move(done)); });
}

void ReopeningEngine::cluster(api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.cluster(std::move(done)); });
}

void ReopeningEngine::prototype(std::string name, api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.prototype(std::move(name), std::move(done)); });
}

void ReopeningEngine::check_prototype(api::PrototypeCheck check,
                                      api::Done<std::vector<std::string>> done) {
  forward(done, [&](Engine& e) { e.check_prototype(std::move(check), std::move(done)); });
}

void ReopeningEngine::watch(api::WatchRequest request, std::shared_ptr<api::WatchSink> sink,
                            api::Done<std::shared_ptr<api::Watch>> done) {
  forward(done, [&](Engine& e) { e.watch(std::move(request), std::move(sink), std::move(done)); });
}

void ReopeningEngine::clock(api::ClockRequest request, api::Done<std::int64_t> done) {
  forward(done, [&](Engine& e) { e.clock(std::move(request), std::move(done)); });
}

void ReopeningEngine::export_slot(std::uint16_t slot, api::Done<std::string> done) {
  forward(done, [&](Engine& e) { e.export_slot(slot, std::move(done)); });
}
void ReopeningEngine::import_slot(std::uint16_t slot, std::string records,
                                  api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.import_slot(slot, std::move(records), std::move(done)); });
}
void ReopeningEngine::release_slot(std::uint16_t slot, api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.release_slot(slot, std::move(done)); });
}
void ReopeningEngine::unseal_slot(std::uint16_t slot, api::Done<krl::Value> done) {
  forward(done, [&](Engine& e) { e.unseal_slot(slot, std::move(done)); });
}

void ReopeningEngine::pico_move_step(api::PicoMoveStep step, api::Done<std::string> done) {
  forward(done, [&](Engine& e) { e.pico_move_step(std::move(step), std::move(done)); });
}

void ReopeningEngine::backup(api::BackupRequest request, api::Done<api::BackupResult> done) {
  forward(done, [&](Engine& e) { e.backup(std::move(request), std::move(done)); });
}

void ReopeningEngine::mqtt_sequence(std::string sender, api::Done<std::uint64_t> done) {
  forward(done, [&](Engine& e) { e.mqtt_sequence(std::move(sender), std::move(done)); });
}

void ReopeningEngine::save_mqtt_sequence(std::string sender, std::uint64_t value,
                                         api::Done<std::uint64_t> done) {
  forward(done,
          [&](Engine& e) { e.save_mqtt_sequence(std::move(sender), value, std::move(done)); });
}

void ReopeningEngine::metrics(api::Done<std::string> done) {
  forward(done, [&](Engine& e) { e.metrics(std::move(done)); });
}

void ReopeningEngine::http_replied(int status) {
  if (std::shared_ptr<Engine> e = current()) e->http_replied(status);
}

void ReopeningEngine::device_topic(std::string topic, api::Done<api::DeviceRoute> done) {
  forward(done, [&](Engine& e) { e.device_topic(std::move(topic), std::move(done)); });
}

void ReopeningEngine::mqtt_handled(api::Status::Code outcome) {
  if (std::shared_ptr<Engine> e = current()) e->mqtt_handled(outcome);
}

}  // namespace spime::runtime
