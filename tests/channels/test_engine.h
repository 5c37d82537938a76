// A test EngineApi: records what it receives and answers from its own thread,
// so the HTTP layer's asynchronous path is what the tests exercise.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/api/engine_api.h"

namespace spime::channels::testing {

using api::Done;
using api::EngineApi;
using api::EventRequest;
using api::EventResult;
using api::QueryRequest;
using api::Status;
using api::UiContext;

class TestEngine : public EngineApi {
 public:
  TestEngine() : worker_([this] { run(); }) {}
  ~TestEngine() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  // ---- knobs (set before requests arrive) ----
  std::optional<Status> fail;                           // answer every call with this
  krl::Value query_value = krl::Value("query-result");  // query / event_query answer
  krl::Value directives = krl::Value(krl::Array{});     // event_wait answer
  bool hold = false;                                    // keep answers until release()
  bool drop = false;                                    // destroy callbacks without calling them

  // ---- what arrived ----
  struct Call {
    std::string method;
    EventRequest event;
    QueryRequest query;
    std::string url;
    std::string eci;  // flush's and clock's
    api::ClockRequest clock;
  };
  std::vector<Call> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  Call last() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.empty() ? Call{} : calls_.back();
  }
  size_t held() {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_.size();
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& f : held_) queue_.push_back(std::move(f));
    held_.clear();
    hold = false;
    cv_.notify_all();
  }

  void event_wait(EventRequest event, Done<EventResult> done) override {
    record({"event_wait", event, {}, {}, {}, {}});
    answer([this, done] {
      if (fail) return done(*fail);
      done(EventResult{"eid-1", directives});
    });
  }
  void event(EventRequest event, Done<std::string> done) override {
    record({"event", event, {}, {}, {}, {}});
    answer([this, done] {
      if (fail) return done(*fail);
      done(std::string("eid-2"));
    });
  }
  void event_query(EventRequest event, QueryRequest query, Done<krl::Value> done) override {
    record({"event_query", event, query, {}, {}, {}});
    answer([this, done] {
      if (fail) return done(*fail);
      done(query_value);
    });
  }
  void query(QueryRequest query, Done<krl::Value> done) override {
    record({"query", {}, query, {}, {}, {}});
    answer([this, done] {
      if (fail) return done(*fail);
      done(query_value);
    });
  }
  void flush(std::string eci, std::string url, Done<krl::Value> done) override {
    record({"flush", {}, {}, url, eci, {}});
    answer([this, done, url] {
      if (fail) return done(*fail);
      done(krl::Value(krl::Map{{"url", krl::Value(url)}, {"rid", krl::Value("r")}}));
    });
  }
  void clock(api::ClockRequest request, Done<std::int64_t> done) override {
    Call c{"clock", {}, {}, {}, request.eci, request};
    record(std::move(c));
    answer([this, done, request] {
      if (fail) return done(*fail);
      done(request.set_ms ? *request.set_ms : 1000 + request.advance_ms.value_or(0));
    });
  }
  void ui_context(Done<UiContext> done) override {
    record({"ui_context", {}, {}, {}, {}, {}});
    answer([done] { done(UiContext{"1.4.0", "ui-eci"}); });
  }

 private:
  void record(Call c) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(std::move(c));
  }
  void answer(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (drop) return;  // f (and the callback in it) is destroyed uncalled
    if (hold) {
      held_.push_back(std::move(f));
    } else {
      queue_.push_back(std::move(f));
    }
    cv_.notify_all();
  }
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return quit_ || !queue_.empty(); });
      if (queue_.empty() && quit_) return;
      auto f = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      f();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::function<void()>> held_;
  std::vector<Call> calls_;
  bool quit_ = false;
  std::thread worker_;
};

}  // namespace spime::channels::testing
