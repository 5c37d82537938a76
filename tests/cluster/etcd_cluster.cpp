#include "tests/cluster/etcd_cluster.h"

#include <signal.h>

#include <stdexcept>
#include <thread>

#include "tests/integration/server_fixture.h"

namespace spime::integration {

EtcdCluster::EtcdCluster(int members) {
  token_ = "spime-test-" + dir_.path().substr(dir_.path().rfind('-') + 1);
  members_.resize(static_cast<std::size_t>(members));
  for (int i = 0; i < members; ++i) {
    Member& m = members_[static_cast<std::size_t>(i)];
    m.name = "m" + std::to_string(i);
    m.client_port = free_loopback_port();
    m.peer_port = free_loopback_port();
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += m.name + "=http://127.0.0.1:" + std::to_string(m.peer_port);
  }
  for (int i = 0; i < members; ++i) start(i);
  for (int i = 0; i < members; ++i) {
    if (!healthy(i, std::chrono::seconds(30))) {
      throw std::runtime_error("etcd member " + std::to_string(i) + " did not become healthy:\n" +
                               output(i));
    }
  }
}

EtcdCluster::~EtcdCluster() {
  for (int i = 0; i < size(); ++i) {
    Member& m = members_[static_cast<std::size_t>(i)];
    if (m.process) m.process->signal(SIGCONT);  // a paused member would not die of SIGTERM
    m.process.reset();                          // SIGKILL: the data goes with the directory
  }
}

void EtcdCluster::start(int i) {
  Member& m = members_[static_cast<std::size_t>(i)];
  const std::string client = "http://127.0.0.1:" + std::to_string(m.client_port);
  const std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
  std::vector<std::string> args{"etcd",
                                "--name",
                                m.name,
                                "--data-dir",
                                dir_.path() + "/" + m.name,
                                "--listen-client-urls",
                                client,
                                "--advertise-client-urls",
                                client,
                                "--listen-peer-urls",
                                peer,
                                "--initial-advertise-peer-urls",
                                peer,
                                "--initial-cluster",
                                initial_cluster_,
                                "--initial-cluster-token",
                                token_,
                                "--initial-cluster-state",
                                m.started_before ? "existing" : "new",
                                "--logger",
                                "zap",
                                "--log-outputs",
                                "stderr",
                                "--log-level",
                                "warn"};
  m.process = std::make_unique<ChildProcess>(std::move(args));
  m.started_before = true;
}

std::string EtcdCluster::client_url(int i) const {
  return "http://127.0.0.1:" + std::to_string(members_[static_cast<std::size_t>(i)].client_port);
}

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i ? "," : "") + client_url(i);
  return out;
}

std::vector<client::Url> EtcdCluster::urls() const {
  std::vector<client::Url> out;
  for (const Member& m : members_) out.push_back(client::Url{"127.0.0.1", m.client_port, ""});
  return out;
}

bool EtcdCluster::healthy(int i, std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  client::Options options;
  options.timeout = std::chrono::milliseconds(1000);
  options.keep_alive = false;
  client::HttpClient c(urls()[static_cast<std::size_t>(i)], options);
  while (std::chrono::steady_clock::now() < deadline) {
    const client::Response r = c.request("GET", "/health");
    if (r.ok() && r.status == 200 && r.body.find("\"health\":\"true\"") != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // bounded by the deadline
  }
  return false;
}

void EtcdCluster::kill9(int i) {
  Member& m = members_[static_cast<std::size_t>(i)];
  if (!m.process) return;
  m.process->signal(SIGKILL);
  m.process->wait_exit(std::chrono::seconds(10));
}

void EtcdCluster::stop(int i) {
  Member& m = members_[static_cast<std::size_t>(i)];
  if (!m.process) return;
  m.process->signal(SIGCONT);
  m.process->signal(SIGTERM);
  m.process->wait_exit(std::chrono::seconds(10));
}

void EtcdCluster::restart(int i) {
  kill9(i);
  start(i);
}

void EtcdCluster::pause(int i) {
  Member& m = members_[static_cast<std::size_t>(i)];
  if (m.process) m.process->signal(SIGSTOP);
}

void EtcdCluster::resume(int i) {
  Member& m = members_[static_cast<std::size_t>(i)];
  if (m.process) m.process->signal(SIGCONT);
}

std::string EtcdCluster::output(int i) const {
  const Member& m = members_[static_cast<std::size_t>(i)];
  return m.process ? m.process->output() : std::string();
}

}  // namespace spime::integration
