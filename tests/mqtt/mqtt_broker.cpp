#include "tests/mqtt/mqtt_broker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>

#include "tests/integration/server_fixture.h"

namespace spime::integration {

ChildProcess::ChildProcess(std::vector<std::string> args, std::string input) {
  int out[2], in[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(in, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  writer_ = std::thread([fd = in[1], input = std::move(input)] {
    std::size_t done = 0;
    while (done < input.size()) {
      ssize_t n = ::write(fd, input.data() + done, input.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the child closed its stdin or died
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  reader_ = std::thread([this, fd = out[0]] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mu_);
      output_.append(buf, static_cast<std::size_t>(n));
      changed_.notify_all();
    }
    ::close(fd);
  });
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (writer_.joinable()) writer_.join();
  if (reader_.joinable()) reader_.join();
}

bool ChildProcess::wait_for_output(const std::string& text, std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, limit, [&] { return output_.find(text) != std::string::npos; });
}

int ChildProcess::wait_exit(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling an exit, bounded
  }
  pid_ = -1;
  if (writer_.joinable()) writer_.join();
  if (reader_.joinable()) reader_.join();
  return status;
}

void ChildProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::string ChildProcess::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

bool RunResult::ok() const {
  return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

RunResult run_command(std::vector<std::string> args, std::string input,
                      std::chrono::milliseconds limit) {
  ChildProcess p(std::move(args), std::move(input));
  RunResult r;
  r.status = p.wait_exit(limit);
  r.output = p.output();
  return r;
}

MosquittoBroker::MosquittoBroker() {
  port_ = free_loopback_port();
  config_ = dir_.path() + "/mosquitto.conf";
  std::ofstream conf(config_);
  // Run as root, mosquitto would switch to the user "mosquitto", which
  // cannot write its persistence file into our temporary directory.
  const passwd* me = ::getpwuid(::getuid());
  conf << "user " << (me ? me->pw_name : "root") << "\n"
       << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       // Sessions and their queued messages survive a restart.
       << "persistence true\n"
       << "persistence_location " << dir_.path() << "/\n"
       << "autosave_interval 1\n"
       // For MQTT 3.1.1 clients; the bridge asks for its own window (Receive Maximum).
       << "max_inflight_messages 32\n"
       // 0: no limit on what waits for a disconnected persistent client.
       << "max_queued_messages 0\n"
       // Small packets (PUBACKs, replies) leave at once, not after the
       // peer's delayed ACK (about 40 ms).
       << "set_tcp_nodelay true\n"
       << "log_dest stdout\n"
       << "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n";
  conf.close();
  start();
}

MosquittoBroker::~MosquittoBroker() {
  stop();
}

void MosquittoBroker::start() {
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{"mosquitto", "-c", config_});
  // Ready when a TCP connection to its port succeeds (at most 10 s).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (up) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("mosquitto did not listen on " + std::to_string(port_) + ": " +
                               process_->output());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // bounded start-up poll
  }
}

void MosquittoBroker::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait_exit(std::chrono::seconds(10));
  process_.reset();
}

void MosquittoBroker::kill9() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_exit(std::chrono::seconds(10));
  process_.reset();
}

std::string MosquittoBroker::output() const {
  return process_ ? process_->output() : std::string();
}

std::string retained_message(const MosquittoBroker& broker, const std::string& topic) {
  // "%r %p": the retained flag (1), then the payload; a message that is not
  // retained (published while we listen) does not count.
  RunResult got =
      run_command({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(broker.port()), "-t",
                   topic, "--retained-only", "-C", "1", "-W", "2", "-F", "%r %p"},
                  "", std::chrono::seconds(10));
  const std::size_t at = got.output.find("1 ");
  if (at == std::string::npos) return "";
  const std::string line = got.output.substr(at + 2);
  return line.substr(0, line.find('\n'));
}

}  // namespace spime::integration
