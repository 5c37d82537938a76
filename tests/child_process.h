// ChildProcess: a command run as a child of a test (a Mosquitto broker, etcd
// members, the Mosquitto and etcd command-line clients), with stdin given up
// front and stdout+stderr drained by a reader thread, so a chatty child never
// blocks. Every wait is bounded; children get PR_SET_PDEATHSIG(SIGKILL), so a
// crashed test leaves none behind. Failures to start throw
// std::runtime_error.
//
// Thread-safety: one test thread drives an object; output() may be called
// from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

// A command and its arguments, run to the end
// (at most `limit`): the exit status (waitpid's; -1 killed) and the output.
struct RunResult {
  int status = -1;
  std::string output;
  bool ok() const;  // exited 0
};
RunResult run_command(std::vector<std::string> args, std::string input = "",
                      std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace spime::integration
