#include "devices/parallel.h"

#include "devices/simulate.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace spime::devices {

client::Options setup_client_options(const SimulateOptions& options) {
  client::Options o;
  o.timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(options.request_timeout_seconds * 1000));
  o.user_agent = "spime-devices-simulate";
  o.cafile = options.cafile;
  o.bearer_token = options.token;
  return o;
}

bool run_parallel(const client::Url& url, const SimulateOptions& options, std::size_t n,
                  const std::function<bool(std::size_t, EngineCalls&)>& task) {
  if (n == 0) return true;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stopped{false};
  auto worker = [&] {
    client::HttpClient client(url, setup_client_options(options));
    EngineCalls calls(&client);
    for (;;) {
      if (stopped.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      if (!task(i, calls)) stopped.store(true);
    }
  };
  const std::size_t threads = std::min<std::size_t>(std::max(1, options.connections), n);
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return !stopped.load();
}

}  // namespace spime::devices
