// ReopeningEngine: the EngineApi `spime serve` serves through. It forwards
// every call to an Engine over the data directory and, when that engine's
// store fails a write (disk full, an I/O error: Engine::storage_failure()),
// replaces it with a freshly opened one, which is what a restart of the
// process would do, without the process going away.
//
// Why a new Engine rather than carrying on: a failed write is fatal for the
// engine that made it (store/committer.h). Its picos' memory already holds
// what the failed batches wrote, so only state reloaded from the store is
// right again. So, once a failure is seen:
//  * every new call is refused at once with the failure's status (507 for a
//    full disk, 503 otherwise: storage_refusal()), saying why;
//  * the failed engine is shut down: what it admitted is answered, the
//    writes it could not make refused (never acknowledged);
//  * the directory is opened again, every `retry` (doubling up to
//    `max_retry`), until that succeeds, e.g. when space has come back;
//    `on_open` then runs (the host URL, the MQTT publisher: what serve set
//    on the first engine), and calls flow to the new engine.
// Nothing acknowledged is lost: it was in the store before its answer.
// Watches of the failed engine end (their clients reconnect with
// Last-Event-ID); metrics start again from zero.
//
// Thread-safety: every EngineApi method may be called from any thread, as
// the HTTP server and the MQTT bridge do. One supervising thread of its own
// polls for failures (every `poll`) and reopens; stop() joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/api/engine_api.h"
#include "engine/base/thread_annotations.h"
#include "engine/runtime/engine.h"

namespace spime::runtime {

class ReopeningEngine final : public api::EngineApi {
 public:
  struct Options {
    std::chrono::milliseconds poll{100};
    std::chrono::milliseconds retry{500};
    std::chrono::milliseconds max_retry{5000};
    // Runs on the supervising thread after each reopening, before calls
    // reach the new engine.
    std::function<void(Engine&)> on_open;
    // Log lines (failure seen, reopen tried, reopened). Any thread.
    std::function<void(const std::string&)> log;
  };

  // Serves through `first` (opened by the caller with `engine_options`,
  // which every reopening uses again).
  ReopeningEngine(std::unique_ptr<Engine> first, EngineOptions engine_options, Options options);
  ~ReopeningEngine() override;  // stop()

  // The engine serving now; null while the directory is being reopened.
  // Keep the pointer only for the call at hand.
  std::shared_ptr<Engine> current() const;

  // Stops supervising: no reopening after this. Then shuts the current
  // engine down (Engine::request_stop first, as serve does on SIGTERM).
  // Idempotent.
  void request_stop();
  void stop();

  // How many times the directory was reopened since the start.
  std::uint64_t reopened() const;

  // api::EngineApi: forwarded, or refused while reopening.
  void event_wait(api::EventRequest event, api::Done<api::EventResult> done) override;
  void event(api::EventRequest event, api::Done<std::string> done) override;
  void event_query(api::EventRequest event, api::QueryRequest query,
                   api::Done<krl::Value> done) override;
  void query(api::QueryRequest query, api::Done<krl::Value> done) override;
  void flush(std::string eci, std::string url, api::Done<krl::Value> done) override;
  void ui_context(api::Done<api::UiContext> done) override;
  void outbox(api::Done<api::OutboxStatus> done) override;
  void prototypes(api::Done<krl::Value> done) override;
  void ruleset_errors(api::Done<krl::Value> done) override;
  void cluster(api::Done<krl::Value> done) override;
  void export_slot(std::uint16_t slot, api::Done<std::string> done) override;
  void import_slot(std::uint16_t slot, std::string records, api::Done<krl::Value> done) override;
  void release_slot(std::uint16_t slot, api::Done<krl::Value> done) override;
  void unseal_slot(std::uint16_t slot, api::Done<krl::Value> done) override;
  void pico_move_step(api::PicoMoveStep step, api::Done<std::string> done) override;
  void prototype(std::string name, api::Done<krl::Value> done) override;
  void check_prototype(api::PrototypeCheck check,
                       api::Done<std::vector<std::string>> done) override;
  void watch(api::WatchRequest request, std::shared_ptr<api::WatchSink> sink,
             api::Done<std::shared_ptr<api::Watch>> done) override;
  void clock(api::ClockRequest request, api::Done<std::int64_t> done) override;
  void backup(api::BackupRequest request, api::Done<api::BackupResult> done) override;
  void mqtt_sequence(std::string sender, api::Done<std::uint64_t> done) override;
  void save_mqtt_sequence(std::string sender, std::uint64_t value,
                          api::Done<std::uint64_t> done) override;
  void metrics(api::Done<std::string> done) override;
  void http_replied(int status) override;
  void device_topic(std::string topic, api::Done<api::DeviceRoute> done) override;
  void mqtt_handled(api::Status::Code outcome) override;

 private:
  // Forwards to the current engine, or answers `done` with the refusal.
  template <class T, class Call>
  void forward(api::Done<T>& done, Call&& call);
  api::Status refusal() const;
  void supervise();

  const EngineOptions engine_options_;
  const Options options_;

  mutable Mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<Engine> engine_ SPIME_GUARDED_BY(mu_);  // null while reopening
  std::string failure_ SPIME_GUARDED_BY(mu_);             // why the last engine stopped
  bool stopping_ SPIME_GUARDED_BY(mu_) = false;
  std::uint64_t reopened_ SPIME_GUARDED_BY(mu_) = 0;
  std::thread supervisor_;
};

}  // namespace spime::runtime
