#include "tests/devices/sim_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/integration/server_fixture.h"

namespace spime::devices_test {

namespace {

bool accepts(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

SimBroker::SimBroker() {
  port_ = integration::free_loopback_port();
  start();
}

void SimBroker::restart() {
  stop();
  start();
}

void SimBroker::start() {
  std::ostringstream conf;
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous true\n"
       << "set_tcp_nodelay true\n"
       << "persistence true\n"
       << "persistence_location " << dir_.path() << "/\n"
       << "log_dest stderr\n"
       << "log_type error\nlog_type warning\nlog_type notice\n";
  const std::string conf_path = dir_.write("mosquitto.conf", conf.str());
  const std::string log_path = dir_.path() + "/broker.log";
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork for mosquitto");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    for (const char* bin : {"/usr/sbin/mosquitto", "mosquitto"})
      ::execlp(bin, bin, "-c", conf_path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + kBrokerStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mosquitto exited at start: " + output());
    }
    if (accepts(port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("mosquitto did not listen on " + std::to_string(port_) + ": " +
                           output());
}

SimBroker::~SimBroker() {
  stop();
}

void SimBroker::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kBrokerStopTimeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string SimBroker::output() const {
  std::ifstream in(dir_.path() + "/broker.log");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace spime::devices_test
