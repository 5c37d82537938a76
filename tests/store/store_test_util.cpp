#include "store_test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

extern char** environ;

namespace spime::store::testing {

std::unique_ptr<Store> open_ok(const std::string& dir, Store::Options options) {
  std::string error;
  auto store = Store::open(dir, options, &error);
  INFO(error);
  REQUIRE(store);
  return store;
}

pid_t spawn_child(const std::string& mode, const std::string& dir, int keep_fd) {
  // Everything the child needs is prepared before fork: after it, only exec-safe calls.
  std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {exe};  // child_process.cpp takes over before main()
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  env.push_back(std::string(kChildModeEnv) + "=" + mode);
  env.push_back(std::string(kChildDirEnv) + "=" + dir);
  if (keep_fd >= 0) env.push_back(std::string(kChildFdEnv) + "=" + std::to_string(keep_fd));
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);  // dup2 clears CLOEXEC on the copy
    if (keep_fd >= 0) {
      int flags = ::fcntl(keep_fd, F_GETFD);
      ::fcntl(keep_fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (devnull >= 0) ::close(devnull);
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace spime::store::testing
