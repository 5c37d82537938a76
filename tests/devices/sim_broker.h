// SimBroker: a real Mosquitto broker as a child process, for the fleet
// simulator's MQTT tests (the bridge's tests have their own fixture; one
// owner later). Never the system's broker on 1883: it listens on a loopback
// port that was free a moment ago, with a config file it writes into its
// own temporary directory (anonymous clients allowed on that listener,
// persistence on, into that directory, TCP_NODELAY on its sockets; its log
// in a file there, which output() reads).
//
// Bounded: the constructor waits at most kBrokerStartTimeout for the port
// to accept a connection (throws std::runtime_error with the broker's
// output otherwise); the destructor sends SIGTERM and waits at most
// kBrokerStopTimeout, then SIGKILL. The child dies with the test process
// (PR_SET_PDEATHSIG). Thread-safety: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "tests/temp_dir.h"

namespace spime::devices_test {

constexpr auto kBrokerStartTimeout = std::chrono::seconds(10);
constexpr auto kBrokerStopTimeout = std::chrono::seconds(10);

class SimBroker {
 public:
  SimBroker();   // starts mosquitto
  ~SimBroker();  // stops it
  SimBroker(const SimBroker&) = delete;
  SimBroker& operator=(const SimBroker&) = delete;

  // Stops the broker (SIGTERM, bounded as the destructor) and starts it
  // again on the same port and persistence directory.
  void restart();

  unsigned short port() const { return port_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::string output() const;  // what the broker logged so far

 private:
  void start();
  void stop();

  spime::testing::TempDir dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace spime::devices_test
