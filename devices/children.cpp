#include "devices/children.h"

#include <chrono>
#include <cstdio>

namespace spime::devices {

int run_children(const ChildrenOptions& o) {
  using Clock = std::chrono::steady_clock;
  client::Options options;
  options.timeout = std::chrono::seconds(30);
  options.user_agent = "esproto-fleet";
  client::HttpClient client(o.url, options);
  const std::string target = "/sky/event/" + o.parent_eci + "/none/wrangler/new_child_request";
  std::printf("| children | ms per child (last %d) |\n| --: | --: |\n", o.report_every);
  const Clock::time_point start = Clock::now();
  Clock::time_point stretch = start;
  for (int i = 1; i <= o.count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "child-%06d", i);
    client::Response r = client.request("POST", target, std::string("{\"name\":\"") + name + "\"}",
                                        {{"Content-Type", "application/json"}});
    if (!r.error.empty() || r.status != 200) {
      std::fprintf(stderr, "children: %s: %s\n", name,
                   r.error.empty() ? ("status " + std::to_string(r.status) + " " + r.body).c_str()
                                   : r.error.c_str());
      return 1;
    }
    if (i % o.report_every == 0 || i == o.count) {
      const Clock::time_point now = Clock::now();
      const int n = i % o.report_every == 0 ? o.report_every : i % o.report_every;
      const double ms = std::chrono::duration<double, std::milli>(now - stretch).count() / n;
      std::printf("| %d | %.3f |\n", i, ms);
      std::fflush(stdout);
      stretch = now;
    }
  }
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("\n%d children in %.1f s (%.3f ms each)\n", o.count, total, total * 1000 / o.count);
  return 0;
}

}  // namespace spime::devices
