// What the [remote] and [outbox] tests share: a small recording HTTP server
// on 127.0.0.1 (Beast, one connection at a time), a port nothing listens on,
// and a thread-safe collector of log lines.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace spime::runtime::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Received {
  std::string method, target, content_type, body;
};

// Serves connections one after another on one thread: reads a request,
// records it, waits `delay` (cut short when the server stops), answers with
// the status answer() gives (the constructor's `status` unless set_answer
// says otherwise). Serial handling is enough: a sender posts one at a time
// per destination. `port` 0 takes an ephemeral one; another binds that one
// (SO_REUSEADDR), to bring a "down" engine up at the address events wait for.
class RecordingServer {
 public:
  using Answer = std::function<unsigned(const Received&)>;

  explicit RecordingServer(unsigned status = 200, std::chrono::milliseconds delay = 0ms,
                           size_t body_bytes = 0, unsigned short port = 0)
      : delay_(delay), body_bytes_(body_bytes), acceptor_(ioc_) {
    answer_ = [status](const Received&) { return status; };
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }
  ~RecordingServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    try {  // wake the blocking accept
      tcp::socket s(ioc_);
      s.connect(acceptor_.local_endpoint());
    } catch (...) {
    }
    thread_.join();
  }
  RecordingServer(const RecordingServer&) = delete;
  RecordingServer& operator=(const RecordingServer&) = delete;

  unsigned short port() const { return port_; }
  std::string host() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_answer(Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  std::vector<std::string> targets() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const Received& r : received_) out.push_back(r.target);
    return out;
  }
  // Waits until at least `n` requests arrived.
  bool wait_for_requests(size_t n, std::chrono::milliseconds max_wait) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, max_wait, [&] { return received_.size() >= n; });
  }

 private:
  void loop() {
    for (;;) {
      tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (ec || stop_) return;
      }
      serve(s);
    }
  }
  void serve(tcp::socket& s) {
    boost::system::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(s, buffer, req, ec);
    if (ec) return;
    unsigned status = 200;
    {
      std::unique_lock<std::mutex> lock(mu_);
      Received got{std::string(req.method_string()), std::string(req.target()),
                   std::string(req[http::field::content_type]), req.body()};
      status = answer_(got);
      received_.push_back(std::move(got));
      cv_.notify_all();
      if (cv_.wait_for(lock, delay_, [this] { return stop_; })) return;
    }
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = body_bytes_ ? std::string(body_bytes_, 'x') : R"({"directives":[]})";
    res.prepare_payload();
    http::write(s, res, ec);
    s.shutdown(tcp::socket::shutdown_both, ec);
  }

  std::chrono::milliseconds delay_;
  size_t body_bytes_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  Answer answer_;
  std::vector<Received> received_;
  std::thread thread_;
};

// Collects log lines from any thread.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu);
      lines.push_back(line);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
  bool any_contains(const std::string& part) {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& l : lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

// A port nothing listens on: bound, then closed.
inline unsigned short closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  unsigned short port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace spime::runtime::testing
