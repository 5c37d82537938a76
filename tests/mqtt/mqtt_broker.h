// What the MQTT integration tests share: a real Mosquitto broker of their own
// and the Mosquitto command-line clients, as child processes.
//
// MosquittoBroker writes a config file into a temporary directory (a
// listener on 127.0.0.1 and a free port, anonymous clients, persistence on,
// to that directory) and runs `mosquitto -c` on it; restarts keep the port
// and the persisted sessions. It never touches port 1883 or a system broker.
//
// The Mosquitto CLI clients run as tests/child_process.h's run_command.
//
// Thread-safety: one test thread drives an object; output() may be called
// from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/child_process.h"
#include "tests/temp_dir.h"

namespace spime::integration {

class MosquittoBroker {
 public:
  MosquittoBroker();  // starts it
  ~MosquittoBroker();
  void start();
  void stop();   // SIGTERM (it saves its sessions), bounded wait
  void kill9();  // no save
  unsigned short port() const { return port_; }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::string output() const;  // what the broker logged

 private:
  testing::TempDir dir_;
  unsigned short port_ = 0;
  std::string config_;
  std::unique_ptr<ChildProcess> process_;
};

// The retained message of `topic` on `broker` (one mosquitto_sub
// --retained-only, at most about 2 s), or "" when it has none.
std::string retained_message(const MosquittoBroker& broker, const std::string& topic);

}  // namespace spime::integration
