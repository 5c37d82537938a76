#include "channels/slot_gate.h"

#include <boost/algorithm/string/predicate.hpp>
#include <map>
#include <memory>
#include <utility>

#include "channels/client/http_client.h"
#include "channels/http_response.h"
#include "engine/cluster/slot_route.h"

namespace spime::channels {

namespace {

// Headers a proxy does not pass on (RFC 9110 7.6.1), and those each side
// writes itself.
bool hop_by_hop(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "connection", "keep-alive",          "proxy-connection",  "te",
      "trailer",    "transfer-encoding",   "upgrade",           "content-length",
      "host",       "proxy-authorization", "proxy-authenticate"};
  for (std::string_view n : kNames) {
    if (boost::iequals(name, n)) return true;
  }
  return false;
}

// Response headers this server writes on every answer already.
bool written_by_server(std::string_view name) {
  return hop_by_hop(name) || boost::iequals(name, "content-type") || boost::iequals(name, "date") ||
         boost::iequals(name, "server") || boost::istarts_with(name, "access-control-");
}

Response refusal(std::string_view why) {
  return error_response(503, error_text(why));
}

}  // namespace

struct SlotGate::Forward {
  std::string node;
  std::string url;
  std::string method;
  std::string target;
  std::string body;
  client::Headers headers;
  Reply reply;
};

SlotGate::SlotGate(const cluster::SlotTable& table, Options options)
    : table_(table), options_(std::move(options)) {
  const int n = options_.threads < 1 ? 1 : options_.threads;
  MutexLock lock(mu_);
  threads_.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

SlotGate::~SlotGate() {
  stop();
}

void SlotGate::stop() {
  std::deque<Forward> dropped;
  std::vector<std::thread> threads;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    dropped.swap(waiting_);
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (Forward& f : dropped) f.reply(refusal("the node is stopping"));
  for (std::thread& t : threads) t.join();
}

bool SlotGate::intercept(const Request& request, const Reply& reply) {
  std::string eci;
  if (!eci_of_target(request.target, &eci)) return false;
  bool forwarded = false;
  for (const auto& [name, value] : request.headers) {
    if (boost::iequals(name, kForwardedByHeader)) forwarded = true;
  }
  cluster::SlotRoute route = cluster::route_eci(table_, eci, forwarded);
  if (route.kind == cluster::SlotRoute::Kind::kServe) return false;
  api::WatchRequest watch;
  Response ignored;
  if (route.kind == cluster::SlotRoute::Kind::kForward &&
      stream_request(request, &watch, &ignored)) {
    route.kind = cluster::SlotRoute::Kind::kRefuse;
    route.why = "slot " + cluster::slot_text(route.slot) + " is served by node " + route.node +
                ": streams are not forwarded";
  }
  if (route.kind == cluster::SlotRoute::Kind::kRefuse) {
    reply(refusal(route.why));
    return true;
  }
  Forward f;
  f.node = std::move(route.node);
  f.url = std::move(route.url);
  f.method = std::string(request.method);
  f.target = std::string(request.target);
  if (request.has_body) f.body = std::string(request.body);
  for (const auto& [name, value] : request.headers) {
    if (!hop_by_hop(name) && !boost::iequals(name, kForwardedByHeader)) {
      f.headers.emplace_back(name, value);
    }
  }
  f.headers.emplace_back(kForwardedByHeader, table_.self());
  f.reply = reply;
  bool stopping = false;
  {
    MutexLock lock(mu_);
    stopping = stopping_;
    if (!stopping && waiting_.size() < options_.max_waiting) {
      waiting_.push_back(std::move(f));
      wake_.notify_one();
      return true;
    }
  }
  reply(refusal(stopping ? std::string("the node is stopping")
                         : "too many requests wait to be forwarded to node " + f.node));
  return true;
}

std::size_t SlotGate::waiting() const {
  MutexLock lock(mu_);
  return waiting_.size();
}

void SlotGate::work() {
  // One keep-alive client per owner this thread has forwarded to.
  std::map<std::string, std::unique_ptr<client::HttpClient>> clients;
  for (;;) {
    Forward f;
    {
      UniqueMutexLock lock(mu_);
      wake_.wait(lock.native(), [this] {
        mu_.assert_held();
        return stopping_ || !waiting_.empty();
      });
      if (stopping_) return;
      f = std::move(waiting_.front());
      waiting_.pop_front();
    }
    auto& c = clients[f.url];
    if (!c) {
      client::Url url;
      std::string error;
      if (!client::parse_url(f.url, &url, &error)) {
        f.reply(refusal("node " + f.node + " advertises " + f.url + ": " + error));
        continue;
      }
      client::Options o;
      o.timeout = options_.timeout;
      o.max_body_bytes = options_.max_body_bytes;
      o.user_agent.clear();
      c = std::make_unique<client::HttpClient>(url, o);
    }
    client::Response answer = c->request(f.method, f.target, f.body, f.headers);
    if (!answer.ok()) {
      c.reset();  // a fresh connection next time
      f.reply(refusal("forwarding to node " + f.node + " failed: " + answer.error));
      continue;
    }
    Response r;
    r.status = answer.status;
    r.content_type = answer.header("content-type");
    r.body = std::move(answer.body);
    for (auto& [name, value] : answer.headers) {
      if (!written_by_server(name)) r.headers.emplace_back(std::move(name), std::move(value));
    }
    f.reply(std::move(r));
  }
}

}  // namespace spime::channels
