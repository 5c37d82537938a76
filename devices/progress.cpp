#include "devices/progress.h"

#include <unistd.h>

#include <cstdio>

namespace spime::devices {

namespace {

constexpr auto kRefresh = std::chrono::milliseconds(250);

}  // namespace

Progress::Progress(const LiveCounters& counters, bool wanted)
    : counters_(counters), enabled_(wanted && ::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  stop();
}

void Progress::start(const std::string& phase, double seconds) {
  if (!enabled_) return;
  stop();
  phase_ = phase;
  seconds_ = seconds;
  started_ = std::chrono::steady_clock::now();
  last_sent_ = counters_.sent.load();
  last_at_ = 0;
  rate_ = 0;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Progress::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

std::string Progress::line(double elapsed) {
  const std::int64_t sent = counters_.sent.load();
  if (elapsed - last_at_ >= 1.0) {  // the rate over the last second or so
    rate_ = static_cast<double>(sent - last_sent_) / (elapsed - last_at_);
    last_sent_ = sent;
    last_at_ = elapsed;
  } else if (last_at_ == 0 && elapsed > 0) {  // the first second: since the start
    rate_ = static_cast<double>(sent - last_sent_) / elapsed;
  }
  char buf[256];
  char when[48];
  if (seconds_ > 0)
    std::snprintf(when, sizeof when, "%.1f/%.0f s", elapsed, seconds_);
  else
    std::snprintf(when, sizeof when, "%.1f s", elapsed);
  std::snprintf(buf, sizeof buf,
                "%s %s  sent %lld  ack %lld  refused %lld  failed %lld  %.0f/s  p50 %.2f ms  "
                "p99 %.2f ms",
                phase_.c_str(), when, static_cast<long long>(sent),
                static_cast<long long>(counters_.acknowledged.load()),
                static_cast<long long>(counters_.refused.load()),
                static_cast<long long>(counters_.failed.load()), rate_,
                counters_.latency.quantile(0.50), counters_.latency.quantile(0.99));
  return buf;
}

void Progress::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, kRefresh, [this] { return stopping_; });
    if (stopping_) break;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    std::fprintf(stderr, "\r\033[K%s", line(elapsed).c_str());
    std::fflush(stderr);
  }
}

SetupProgress::SetupProgress(long block, std::FILE* out) : block_(block), out_(out) {}

void SetupProgress::print_block(std::chrono::steady_clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - mark_at_).count();
  const long n = created_ - mark_;
  std::fprintf(out_, "setup: created %ld..%ld in %.2f s (%.3f ms/pico)\n", mark_, created_, seconds,
               n > 0 ? seconds * 1000 / static_cast<double>(n) : 0.0);
  std::fflush(out_);
  mark_ = created_;
  mark_at_ = now;
}

void SetupProgress::created_one() {
  std::lock_guard<std::mutex> lock(mu_);
  ++created_;
  if (block_ > 0 && created_ % block_ == 0) print_block(std::chrono::steady_clock::now());
}

void SetupProgress::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (created_ >= block_ && created_ > mark_) print_block(std::chrono::steady_clock::now());
}

long SetupProgress::created() const {
  std::lock_guard<std::mutex> lock(mu_);
  return created_;
}

}  // namespace spime::devices
