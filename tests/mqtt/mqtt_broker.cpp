#include "tests/mqtt/mqtt_broker.h"

#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "tests/integration/server_fixture.h"

namespace spime::integration {

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
