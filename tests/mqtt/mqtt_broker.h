// What the MQTT integration tests share: a real Mosquitto broker of their own
// and the Mosquitto command-line clients, as child processes.
//
// MosquittoBroker writes a config file into a temporary directory (a
// listener on 127.0.0.1 and a free port, anonymous clients, persistence on,
// to that directory) and runs `mosquitto -c` on it; restarts keep the port
// and the persisted sessions. It never touches port 1883 or a system broker.
//
// ChildProcess runs any command with stdin given up front and stdout+stderr
// drained by a reader thread (so a chatty child never blocks). Every wait is
// bounded; children get PR_SET_PDEATHSIG(SIGKILL), so a crashed test leaves
// none behind. Failures throw std::runtime_error with what the child said.
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

#include "tests/temp_dir.h"

namespace spime::integration {

class ChildProcess {
 public:
  // Starts `args` (args[0] looked up in PATH); `input` is written to its
  // stdin, which is then closed.
  ChildProcess(std::vector<std::string> args, std::string input = "");
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits (at most `limit`) until the output holds `text`; false if not.
  bool wait_for_output(const std::string& text, std::chrono::milliseconds limit);
  // Waits (at most `limit`) for the exit: waitpid's status, or -1 after
  // killing it for overstaying.
  int wait_exit(std::chrono::milliseconds limit);
  void signal(int sig);
  bool running() const { return pid_ > 0; }
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::thread reader_, writer_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::string output_;
};

// `mosquitto_pub` / `mosquitto_sub` and their arguments, run to the end
// (at most `limit`): the exit status (waitpid's; -1 killed) and the output.
struct RunResult {
  int status = -1;
  std::string output;
  bool ok() const;  // exited 0
};
RunResult run_command(std::vector<std::string> args, std::string input = "",
                      std::chrono::milliseconds limit = std::chrono::seconds(30));

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
