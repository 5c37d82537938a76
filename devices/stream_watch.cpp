#include "devices/stream_watch.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "channels/client/http_client.h"

namespace spime::devices {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// One watcher: the connection and what it has counted.
struct Watcher : std::enable_shared_from_this<Watcher> {
  explicit Watcher(net::io_context& ioc) : socket(ioc) {}

  tcp::socket socket;
  std::array<char, 16384> buf{};
  std::string header;  // until "\r\n\r\n"
  bool in_body = false;
  int status = 0;
  // The current line's first bytes (enough to know what it is), and whether it started.
  std::string line;
  long events = 0, comments = 0;
  bool dropped = false, ended = false, failed = false, stalled = false;

  void start(const tcp::endpoint& at, std::string request, bool stall) {
    auto self = shared_from_this();
    socket.async_connect(
        at, [self, request = std::move(request), stall](boost::system::error_code ec) {
          if (ec) {
            self->failed = true;
            return;
          }
          auto text = std::make_shared<std::string>(request);
          net::async_write(self->socket, net::buffer(*text),
                           [self, text, stall](boost::system::error_code wec, std::size_t) {
                             if (wec) {
                               self->failed = true;
                               return;
                             }
                             if (stall) {
                               self->stalled = true;
                               return;
                             }
                             self->read();
                           });
        });
  }

  void read() {
    auto self = shared_from_this();
    socket.async_read_some(net::buffer(buf), [self](boost::system::error_code ec, std::size_t n) {
      self->consume(self->buf.data(), n);
      if (ec) {
        self->ended = true;
        return;
      }
      self->read();
    });
  }

  void consume(const char* p, std::size_t n) {
    std::size_t i = 0;
    if (!in_body) {
      for (; i < n && !in_body; ++i) {
        header.push_back(p[i]);
        if (header.size() >= 4 && header.compare(header.size() - 4, 4, "\r\n\r\n") == 0) {
          in_body = true;
          const auto sp = header.find(' ');
          status = sp == std::string::npos ? 0 : std::atoi(header.c_str() + sp + 1);
        }
        if (header.size() > 65536) {
          failed = true;
          return;
        }
      }
    }
    for (; i < n; ++i) {
      if (p[i] == '\n') {
        end_line();
      } else if (line.size() < 16) {
        line.push_back(p[i]);
      }
    }
  }

  void end_line() {
    if (line.rfind("id:", 0) == 0) {
      ++events;
    } else if (line.rfind(":", 0) == 0) {
      ++comments;
    } else if (line == "event: dropped") {
      dropped = true;
    }
    line.clear();
  }
};

std::vector<std::string> read_ecis(const WatchOptions& o, std::string* error) {
  std::vector<std::string> ecis;
  if (!o.eci.empty()) ecis.push_back(o.eci);
  if (!o.ecis_file.empty()) {
    std::ifstream in(o.ecis_file);
    if (!in) {
      *error = "cannot read " + o.ecis_file;
      return {};
    }
    std::string line;
    while (std::getline(in, line) && ecis.size() < static_cast<std::size_t>(kMaxWatchConnections)) {
      if (!line.empty()) ecis.push_back(line);
    }
  }
  if (ecis.empty()) *error = "give --eci or --ecis";
  return ecis;
}

}  // namespace

int run_watch(const WatchOptions& o) {
  std::string url_text = o.url;
  if (url_text.empty()) {
    const char* env = std::getenv("SPIME_URL");
    url_text = env && *env ? env : "http://127.0.0.1:3000";
  }
  client::Url url;
  std::string error;
  if (!client::parse_url(url_text, &url, &error)) {
    std::fprintf(stderr, "spime devices watch: %s\n", error.c_str());
    return 2;
  }
  if (!client::is_loopback_host(url.host)) {
    std::fprintf(stderr, "spime devices watch: a load tool: loopback engines only\n");
    return 2;
  }
  if (o.count < 1 || o.count > kMaxWatchConnections || o.ramp < 1 || o.duration < 0) {
    std::fprintf(stderr, "spime devices watch: --count 1..%d, --ramp >= 1, --duration >= 0\n",
                 kMaxWatchConnections);
    return 2;
  }
  std::vector<std::string> ecis = read_ecis(o, &error);
  if (ecis.empty()) {
    std::fprintf(stderr, "spime devices watch: %s\n", error.c_str());
    return 2;
  }
  net::io_context ioc;
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto found = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || found.empty()) {
    std::fprintf(stderr, "spime devices watch: cannot resolve %s\n", url.host.c_str());
    return 2;
  }
  const tcp::endpoint at = found.begin()->endpoint();
  std::string query;
  if (!o.domain.empty()) query += "domain=" + client::url_encode(o.domain);
  if (!o.type.empty()) query += (query.empty() ? "" : "&") + ("type=" + client::url_encode(o.type));

  std::vector<std::shared_ptr<Watcher>> watchers;
  watchers.reserve(static_cast<std::size_t>(o.count));
  const auto step = std::chrono::milliseconds(100);
  const int per_step = std::max(1, o.ramp / 10);
  net::steady_timer ramp(ioc), stop(ioc);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  Clock::time_point ramped{};
  bool interrupted = false;
  std::function<void()> open_some = [&] {
    for (int i = 0; i < per_step && static_cast<int>(watchers.size()) < o.count; ++i) {
      const std::string& eci = ecis[watchers.size() % ecis.size()];
      std::string request = "GET " + url.base + "/c/" + client::url_encode(eci) + "/stream" +
                            (query.empty() ? "" : "?" + query) + " HTTP/1.1\r\nHost: " + url.host +
                            "\r\nAccept: text/event-stream\r\nUser-Agent: spime-watch\r\n\r\n";
      auto w = std::make_shared<Watcher>(ioc);
      w->start(at, std::move(request), o.stall);
      watchers.push_back(std::move(w));
    }
    if (static_cast<int>(watchers.size()) < o.count) {
      ramp.expires_after(step);
      ramp.async_wait([&](boost::system::error_code e) {
        if (!e) open_some();
      });
      return;
    }
    ramped = Clock::now();
    stop.expires_after(std::chrono::milliseconds(static_cast<long>(o.duration * 1000)));
    stop.async_wait([&](boost::system::error_code e) {
      if (!e) ioc.stop();
    });
  };
  signals.async_wait([&](boost::system::error_code e, int) {
    if (e) return;
    interrupted = true;
    ioc.stop();
  });
  const auto started = Clock::now();
  open_some();
  ioc.run();
  const auto end = Clock::now();
  const double seconds =
      std::chrono::duration<double>(end - (ramped == Clock::time_point{} ? started : ramped))
          .count();

  long opened = 0, events = 0, dropped = 0, ended = 0, failed = 0, stalled = 0;
  long fewest = -1, most = 0;
  std::map<int, long> refused;
  for (const auto& w : watchers) {
    if (w->stalled) {
      ++stalled;
      continue;
    }
    if (w->failed || !w->in_body) {
      ++failed;
      continue;
    }
    if (w->status != 200) {
      ++refused[w->status];
      continue;
    }
    ++opened;
    events += w->events;
    fewest = fewest < 0 ? w->events : std::min(fewest, w->events);
    most = std::max(most, w->events);
    if (w->dropped) ++dropped;
    if (w->ended && !w->dropped) ++ended;
  }
  nlohmann::json out = {{"watchers", o.count},
                        {"opened", opened},
                        {"failed", failed},
                        {"events", events},
                        {"seconds", seconds},
                        {"events_per_second", seconds > 0 ? events / seconds : 0.0},
                        {"fewest", fewest < 0 ? 0 : fewest},
                        {"most", most},
                        {"dropped", dropped},
                        {"ended", ended},
                        {"stalled", stalled},
                        {"interrupted", interrupted}};
  nlohmann::json refusals = nlohmann::json::object();
  for (const auto& [status, n] : refused) refusals[std::to_string(status)] = n;
  out["refused"] = refusals;
  if (o.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf(
        "watchers %d: opened %ld, stalled (never read) %ld, refused %s, failed %ld; %ld events in "
        "%.1f s (%.0f/s); per watcher %ld..%ld; dropped %ld, ended by the engine %ld\n",
        o.count, opened, stalled, refusals.dump().c_str(), failed, events, seconds,
        seconds > 0 ? events / seconds : 0.0, fewest < 0 ? 0 : fewest, most, dropped, ended);
  }
  return opened + stalled > 0 ? 0 : 1;
}

void add_watch_command(CLI::App& app, std::function<int()>* run) {
  auto named_devices = [](CLI::App* a) { return a->get_name() == "devices"; };
  std::vector<CLI::App*> found = app.get_subcommands(named_devices);
  CLI::App* devices =
      found.empty() ? app.add_subcommand("devices", "simulated device fleets (load and checks)")
                    : found.front();
  auto o = std::make_shared<WatchOptions>();
  CLI::App* cmd = devices->add_subcommand(
      "watch", "open N live event streams (/c/ECI/stream) and count what they receive");
  cmd->add_option("--url", o->url,
                  "the engine, http://HOST[:PORT] on loopback (default: $SPIME_URL, else "
                  "http://127.0.0.1:3000)")
      ->type_name("URL");
  cmd->add_option("--eci", o->eci, "the channel every stream watches")->type_name("ECI");
  cmd->add_option("--ecis", o->ecis_file,
                  "or: channels, one per line; the streams are spread over them")
      ->type_name("FILE");
  cmd->add_option("--domain", o->domain, "only events of this domain")->type_name("D");
  cmd->add_option("--type", o->type, "only events of this name")->type_name("T");
  cmd->add_option("--count", o->count, "streams")->type_name("N")->capture_default_str();
  cmd->add_option("--duration", o->duration, "seconds after the last stream opened")
      ->type_name("S")
      ->capture_default_str();
  cmd->add_option("--ramp", o->ramp, "streams opened per second")
      ->type_name("N")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "the summary as one JSON object");
  cmd->add_flag("--stall", o->stall, "send the request, then never read (stalled watchers)");
  cmd->callback([o, run] { *run = [o] { return run_watch(*o); }; });
}

}  // namespace spime::devices
