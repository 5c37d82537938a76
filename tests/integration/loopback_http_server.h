// LoopbackHttpServer: a small Boost.Beast HTTP/1.1 server on 127.0.0.1 (an
// ephemeral port) for tests of outbound HTTP: it records every request it
// receives and answers what the test's handler says.
//
// One request per connection, each connection on its own thread; every
// socket read and write is bounded (kIoTimeout) so a client that goes away
// never holds the server. The destructor stops accepting and joins every
// thread. Thread-safe: requests() may be read while requests arrive.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace spime::integration {

class LoopbackHttpServer {
 public:
  static constexpr int kIoTimeoutSeconds = 15;

  struct Request {
    std::string method, target, body;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string header(const std::string& name) const {
      auto it = headers.find(name);
      return it == headers.end() ? "" : it->second;
    }
  };
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  // Fills the response (status 200, empty body, Connection: close to begin with).
  using Handler = std::function<void(const Request&, Response&)>;

  explicit LoopbackHttpServer(Handler handler) : handler_(std::move(handler)), acceptor_(ioc_) {
    namespace asio = boost::asio;
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~LoopbackHttpServer() {
    stop_ = true;
    try {  // wakes the blocking accept
      boost::asio::ip::tcp::socket s(ioc_);
      s.connect(acceptor_.local_endpoint());
    } catch (...) {
    }
    accept_thread_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard<std::mutex> lock(mu_);
      conns.swap(conns_);
    }
    for (auto& t : conns) t.join();
  }
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url(const std::string& path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // The last request whose target starts with `prefix` (an empty Request when none).
  Request last(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if (it->target.rfind(prefix, 0) == 0) return *it;
    }
    return Request{};
  }

 private:
  void accept_loop() {
    while (!stop_) {
      boost::asio::ip::tcp::socket s(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) break;
      timeval tv{kIoTimeoutSeconds, 0};
      setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(s.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      std::lock_guard<std::mutex> lock(mu_);
      conns_.emplace_back([this, sock = std::move(s)]() mutable { serve(std::move(sock)); });
    }
  }
  void serve(boost::asio::ip::tcp::socket sock) {
    namespace http = boost::beast::http;
    try {
      boost::beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(sock, buf, req);
      Request r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.body = req.body();
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string& v = r.headers[name];
        v += (v.empty() ? "" : ", ") + std::string(f.value());
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(r);
      }
      Response res{http::status::ok, 11};
      res.set(http::field::connection, "close");
      handler_(r, res);
      if (!res.chunked() && !res.has_content_length()) res.prepare_payload();
      http::write(sock, res);
      boost::system::error_code ec;
      sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    } catch (...) {  // the client went away (timeouts, size limits)
    }
  }

  Handler handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::thread> conns_;
  std::vector<Request> requests_;
};

}  // namespace spime::integration
