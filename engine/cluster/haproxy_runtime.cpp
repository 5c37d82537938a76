// Plain POSIX sockets with poll(): one short exchange per command, every
// step bounded by the same deadline.
#include "engine/cluster/haproxy_runtime.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace spime::cluster {

using api::Status;
using Clock = std::chrono::steady_clock;

namespace {

// Milliseconds left until `deadline`, at least 0.
int left_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, left_ms(deadline));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

HaproxyRuntime::HaproxyRuntime(std::string host, unsigned short port,
                               std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

bool HaproxyRuntime::parse_address(const std::string& text, std::string* host, unsigned short* port,
                                   std::string* error) {
  const std::size_t colon = text.rfind(':');
  in_addr a{};
  if (colon == std::string::npos || ::inet_pton(AF_INET, text.substr(0, colon).c_str(), &a) != 1) {
    *error = "'" + text + "' is not IPV4:PORT (HAProxy's stats socket, ipv4@ in its configuration)";
    return false;
  }
  char* end = nullptr;
  const std::string digits = text.substr(colon + 1);
  const long p = std::strtol(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || p < 1 || p > 65535) {
    *error = "'" + text + "': bad port";
    return false;
  }
  *host = text.substr(0, colon);
  *port = static_cast<unsigned short>(p);
  return true;
}

Status HaproxyRuntime::command(const std::string& text, std::string* answer) {
  answer->clear();
  const auto deadline = Clock::now() + timeout_;
  const std::string where = "HAProxy's runtime API at " + host_ + ":" + std::to_string(port_);
  Socket s;
  if (s.fd() < 0) return Status::internal(where + ": socket: " + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    return Status::invalid_argument(where + ": not an IPv4 address");
  }
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
      errno != EINPROGRESS) {
    return Status::unavailable(where + ": " + std::strerror(errno));
  }
  if (!wait_for(s.fd(), POLLOUT, deadline))
    return Status::unavailable(where + ": no connection in time");
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return Status::unavailable(where + ": " + std::strerror(err));
  std::string out = text;
  if (out.empty() || out.back() != '\n') out += '\n';
  std::size_t sent = 0;
  while (sent < out.size()) {
    if (!wait_for(s.fd(), POLLOUT, deadline))
      return Status::unavailable(where + ": send timed out");
    const ssize_t n = ::send(s.fd(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return Status::unavailable(where + ": " + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
  char buf[4096];
  for (;;) {
    if (!wait_for(s.fd(), POLLIN, deadline))
      return Status::unavailable(where + ": no answer in time");
    const ssize_t n = ::recv(s.fd(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) return Status::unavailable(where + ": " + std::strerror(errno));
    if (n == 0) break;  // HAProxy closes after its answer
    answer->append(buf, static_cast<std::size_t>(n));
    if (answer->size() > (std::size_t{64} << 20))
      return Status::internal(where + ": answer over 64 MiB");
  }
  return Status::ok();
}

namespace {

// HAProxy answers a command that worked with nothing but blank lines (or,
// for `prepare map`, its version); anything else is its refusal.
std::string refusal(const std::string& answer) {
  const std::size_t start = answer.find_first_not_of("\r\n ");
  if (start == std::string::npos) return {};
  const std::size_t end = answer.find_last_not_of("\r\n ");
  return answer.substr(start, end - start + 1);
}

}  // namespace

Status HaproxyRuntime::replace_map(const std::string& map,
                                   const std::map<std::string, std::string>& entries) {
  std::string answer;
  Status s = command("prepare map " + map, &answer);
  if (!s.is_ok()) return s;
  const std::string kCreated = "New version created: ";
  const std::size_t at = answer.find(kCreated);
  if (at == std::string::npos) {
    return Status::invalid_argument("HAProxy refused to prepare map " + map + ": " +
                                    refusal(answer));
  }
  const std::string version = std::to_string(std::atoll(answer.c_str() + at + kCreated.size()));
  const std::string head = "add map @" + version + " " + map + " <<\n";
  std::string payload;
  auto flush = [&]() -> Status {
    if (payload.empty()) return Status::ok();
    Status r = command(head + payload + "\n", &answer);
    payload.clear();
    if (!r.is_ok()) return r;
    if (std::string why = refusal(answer); !why.empty()) {
      return Status::invalid_argument("HAProxy refused entries of map " + map + ": " + why);
    }
    return Status::ok();
  };
  for (const auto& [key, value] : entries) {
    payload += key + " " + value + "\n";
    if (payload.size() >= kPayloadBytes) {
      if (s = flush(); !s.is_ok()) return s;
    }
  }
  if (s = flush(); !s.is_ok()) return s;
  s = command("commit map @" + version + " " + map, &answer);
  if (!s.is_ok()) return s;
  if (std::string why = refusal(answer); !why.empty()) {
    return Status::invalid_argument("HAProxy refused to commit map " + map + ": " + why);
  }
  return Status::ok();
}

Status HaproxyRuntime::show_map(const std::string& map,
                                std::map<std::string, std::string>* entries) {
  entries->clear();
  std::string answer;
  Status s = command("show map " + map, &answer);
  if (!s.is_ok()) return s;
  std::istringstream lines(answer);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    // "0x55fcc7122500 001 127.0.0.1:1"
    const std::size_t a = line.find(' ');
    const std::size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (line.rfind("0x", 0) != 0 || b == std::string::npos) {
      return Status::invalid_argument("HAProxy: show map " + map + ": " + refusal(answer));
    }
    (*entries)[line.substr(a + 1, b - a - 1)] = line.substr(b + 1);
  }
  return Status::ok();
}

}  // namespace spime::cluster
