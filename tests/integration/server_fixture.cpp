#include "tests/integration/server_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/prctl.h>
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

#include "channels/client/http_client.h"
#include "tests/spime_binary.h"

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

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::string& content_type,
                        std::chrono::milliseconds timeout,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
  client::Options options;
  options.timeout = timeout;
  client::Url url;
  url.host = "127.0.0.1";
  url.port = port;
  return http_exchange(url, options, method, target, body, content_type, headers);
}

HttpResult http_exchange(const client::Url& url, client::Options options, const std::string& method,
                         const std::string& target, const std::string& body,
                         const std::string& content_type,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  options.keep_alive = false;
  options.max_body_bytes = 64 * 1024 * 1024;
  options.user_agent.clear();
  client::HttpClient http(url, options);
  client::Headers sent;
  if (!content_type.empty()) sent.emplace_back("Content-Type", content_type);
  sent.insert(sent.end(), headers.begin(), headers.end());
  client::Response answer = http.request(method, target, body, sent);
  HttpResult result;
  result.error = std::move(answer.error);
  result.status = answer.status;
  result.text = std::move(answer.body);
  result.headers = std::move(answer.headers);
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
  const std::string bin = spime::test::spime_binary();
  std::vector<std::string> args{bin,      "serve", "--host", "127.0.0.1",
                                "--port", "0",     "--data", data_dir()};
  if (options_.http_allow_loopback) {
    for (const char* a : {"--http-allow", "127.0.0.0/8", "--http-allow", "::1"}) args.push_back(a);
  }
  if (!options_.tls_cert.empty()) {
    for (const std::string& a :
         {std::string("--tls-cert"), options_.tls_cert, std::string("--tls-key"), options_.tls_key})
      args.push_back(a);
  }
  if (!options_.owner_token.empty()) {
    const std::string token_file = data_.path() + "/owner-token";
    {
      std::ofstream out(token_file, std::ios::trunc);
      out << options_.owner_token << "\n";
    }
    fs::permissions(token_file, fs::perms::owner_read | fs::perms::owner_write);
    args.push_back("--owner-token-file");
    args.push_back(token_file);
  }
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

  // Wait for "listening on http[s]://127.0.0.1:PORT" and "owner ECI: <eci>".
  std::unique_lock<std::mutex> lock(mu_);
  auto deadline = Clock::now() + kStartTimeout;
  port_ = 0;
  owner_eci_.clear();
  for (;;) {
    const char* listening = options_.tls_cert.empty() ? "listening on http://127.0.0.1:"
                                                      : "listening on https://127.0.0.1:";
    size_t listen_at = output_.find(listening);
    size_t eci_at = output_.find("owner ECI: ");
    if (listen_at != std::string::npos && eci_at != std::string::npos) {
      size_t p = listen_at + std::strlen(listening);
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
      // The reader has seen the end: join it, so a constructor that throws
      // here leaves no joinable thread behind.
      if (reader_.joinable()) reader_.join();
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

void SpimeServer::pause() {
  if (running()) ::kill(pid_, SIGSTOP);
}

void SpimeServer::resume() {
  if (running()) ::kill(pid_, SIGCONT);
}

client::Url SpimeServer::client_url() const {
  client::Url url;
  url.tls = !options_.tls_cert.empty();
  url.host = "127.0.0.1";
  url.port = port_;
  return url;
}

client::Options SpimeServer::client_options() const {
  client::Options options;
  options.timeout = kHttpTimeout;
  options.cafile = options_.cafile;
  options.bearer_token = options_.owner_token;
  return options;
}

HttpResult SpimeServer::get(const std::string& target) const {
  return http_exchange(client_url(), client_options(), "GET", target);
}

HttpResult SpimeServer::post(const std::string& target, const std::string& body,
                             const std::string& content_type) const {
  return http_exchange(client_url(), client_options(), "POST", target, body, content_type);
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
