// EtcdCluster: etcd members of a test's own (etcd 3.4, Debian's
// etcd-server), as child processes (tests/child_process.h) on free loopback
// ports, never 2379/2380 and never a system etcd, each with its data
// directory in a temporary directory removed at the end.
//
// The constructor starts `members` members as one new cluster and waits
// until each answers GET /health with {"health":"true"} (at most 30 s), or
// throws std::runtime_error with what they logged. Members can be stopped,
// killed, paused and restarted one by one (a restart keeps the data
// directory and the ports). Every wait is bounded.
//
// Thread-safety: one test thread drives it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "channels/client/http_client.h"
#include "tests/child_process.h"
#include "tests/temp_dir.h"

namespace spime::integration {

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 1);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  std::string client_url(int i) const;  // "http://127.0.0.1:PORT"
  std::string endpoints() const;        // every client URL, comma-joined
  std::vector<client::Url> urls() const;

  // Whether member i answers /health as healthy within `limit`.
  bool healthy(int i, std::chrono::milliseconds limit) const;
  void kill9(int i);
  void stop(int i);  // SIGTERM, at most 10 s, then SIGKILL
  void restart(int i);
  void pause(int i);                // SIGSTOP
  void resume(int i);               // SIGCONT
  std::string output(int i) const;  // what member i logged

 private:
  struct Member {
    std::string name;
    unsigned short client_port = 0;
    unsigned short peer_port = 0;
    std::unique_ptr<ChildProcess> process;
    bool started_before = false;
  };
  void start(int i);

  testing::TempDir dir_;
  std::string initial_cluster_;
  std::string token_;
  std::vector<Member> members_;
};

}  // namespace spime::integration
