#include "tests/integration/server_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

namespace spime::integration {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

unsigned short free_loopback_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- HTTP ----------------------------------------------------------------------

std::string HttpResult::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return "";
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

// A socket closed on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Waits for `events` on fd until `deadline`; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

}  // namespace

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& content_type,
                        std::chrono::milliseconds timeout,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  namespace http = boost::beast::http;
  HttpResult result;
  auto deadline = Clock::now() + timeout;
  Fd sock;
  sock.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) {
    result.error = std::string("socket: ") + std::strerror(errno);
    return result;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS || !wait_for(sock.fd, POLLOUT, deadline)) {
      result.error = "connect failed or timed out";
      return result;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      result.error = std::string("connect: ") + std::strerror(err);
      return result;
    }
  }

  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!content_type.empty()) request += "Content-Type: " + content_type + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "Connection: close\r\n\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(sock.fd, POLLOUT, deadline)) {
        result.error = "send timed out";
        return result;
      }
    } else {
      result.error = std::string("send: ") + std::strerror(errno);
      return result;
    }
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.eager(true);
  std::string pending;  // received, not yet consumed by the parser
  bool received_any = false;
  char buf[16384];
  while (!parser.is_done()) {
    if (!wait_for(sock.fd, POLLIN, deadline)) {
      result.error = "no complete answer within the timeout";
      return result;
    }
    ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      result.error = std::string("recv: ") + std::strerror(errno);
      return result;
    }
    boost::beast::error_code ec;
    if (n == 0) {
      if (!received_any) {  // put_eof requires some input
        result.error = "connection closed without an answer";
        return result;
      }
      parser.put_eof(ec);
      if (ec || !parser.is_done()) {
        result.error = "connection closed before a complete answer";
        return result;
      }
      break;
    }
    received_any = true;
    pending.append(buf, static_cast<size_t>(n));
    while (!pending.empty() && !parser.is_done()) {
      size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (ec == http::error::need_more) break;
      if (ec) {
        result.error = "bad HTTP answer: " + ec.message();
        return result;
      }
      pending.erase(0, used);
      if (used == 0) break;
    }
  }
  auto& res = parser.get();
  result.status = static_cast<int>(res.result_int());
  result.text = res.body();
  for (const auto& field : res) {
    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  result.body = json::parse(result.text, nullptr, /*allow_exceptions=*/false);
  return result;
}

// ---- SpimeServer ---------------------------------------------------------------

SpimeServer::SpimeServer(ServerOptions options) : options_(std::move(options)) {
  start();
}

SpimeServer::~SpimeServer() {
  try {
    stop();
  } catch (...) {
    kill9();
  }
}

std::string SpimeServer::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

void SpimeServer::fail(const std::string& why) {
  std::string out = output();
  throw std::runtime_error("spime serve: " + why + "\n--- server output ---\n" + out);
}

void SpimeServer::reader_loop(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mu_);
    if (n <= 0) {
      eof_ = true;
      changed_.notify_all();
      break;
    }
    // Keep the tail only: a long-running server must not grow this forever.
    output_.append(buf, static_cast<size_t>(n));
    if (output_.size() > (1u << 20)) output_.erase(0, output_.size() - (1u << 19));
    changed_.notify_all();
  }
  ::close(fd);
}

void SpimeServer::start() {
  if (running()) return;
  std::vector<std::string> args{SPIME_BINARY, "serve", "--host", "127.0.0.1",
                                "--port",     "0",     "--data", data_dir()};
  if (!options_.rulesets_dir.empty()) {
    args.push_back("--rulesets");
    args.push_back(options_.rulesets_dir);
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) fail("pipe2 failed");
  {
    std::lock_guard<std::mutex> lock(mu_);
    output_.clear();
    eof_ = false;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    fail("fork failed");
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::dup2(pipefd[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  pid_ = pid;
  if (reader_.joinable()) reader_.join();
  reader_ = std::thread([this, fd = pipefd[0]] { reader_loop(fd); });

  // Wait for "listening on http://127.0.0.1:PORT" and "owner ECI: <eci>".
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = Clock::now() + kStartTimeout;
  port_ = 0;
  owner_eci_.clear();
  for (;;) {
    size_t listen_at = output_.find("listening on http://127.0.0.1:");
    size_t eci_at = output_.find("owner ECI: ");
    if (listen_at != std::string::npos && eci_at != std::string::npos) {
      size_t p = listen_at + std::strlen("listening on http://127.0.0.1:");
      size_t e = eci_at + std::strlen("owner ECI: ");
      size_t p_end = output_.find('\n', p), e_end = output_.find('\n', e);
      if (p_end != std::string::npos && e_end != std::string::npos) {
        port_ = static_cast<unsigned short>(std::stoi(output_.substr(p, p_end - p)));
        owner_eci_ = output_.substr(e, e_end - e);
        break;
      }
    }
    if (eof_) {
      lock.unlock();
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      fail("exited during startup (status " + std::to_string(status) + ")");
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      lock.unlock();
      kill9();
      fail("no 'listening' and 'owner ECI' lines within the startup timeout");
    }
  }
}

int SpimeServer::stop() {
  if (!running()) return 0;
  ::kill(pid_, SIGTERM);
  auto deadline = Clock::now() + kStopTimeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (Clock::now() > deadline) {
      kill9();
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  return status;
}

void SpimeServer::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);  // SIGKILL cannot be ignored: this returns
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
}

HttpResult SpimeServer::get(const std::string& target) const {
  return http_request(port_, "GET", target);
}

HttpResult SpimeServer::post(const std::string& target, const std::string& body,
                             const std::string& content_type) const {
  return http_request(port_, "POST", target, body, content_type);
}

HttpResult SpimeServer::event(const std::string& eci, const std::string& domain,
                              const std::string& type, const json& attrs) const {
  return post_json(
      "/sky/event/" + url_encode(eci) + "/none/" + url_encode(domain) + "/" + url_encode(type),
      attrs);
}

HttpResult SpimeServer::query(const std::string& eci, const std::string& rid,
                              const std::string& name, const json& args) const {
  return post_json("/sky/cloud/" + url_encode(eci) + "/" + url_encode(rid) + "/" + url_encode(name),
                   args);
}

}  // namespace spime::integration
