#include "channels/mqtt/mqtt_bridge.h"
#include "engine/base/thread_annotations.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "channels/mqtt/device_routes.h"
#include "channels/mqtt/message_ids.h"
#include "channels/mqtt/mqtt_event.h"
#include "channels/mqtt/mqtt_url.h"
#include "engine/logging/log.h"

namespace spime::mqtt {
namespace {

using api::Status;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One message handed to the engine, until its final answer.
struct Entry {
  int qos = 0;
  std::string topic;    // for log lines; a device topic's route is cached by it
  bool device = false;  // a device's fixed topic: routed by the engine (device_topic)
  bool cached = false;  // ... its route taken from the cache
  api::EventRequest request;
  bool wait = false;  // event_wait (QoS 1, or a reply wanted); else event
  std::string response_topic;
  std::string correlation;
  // Set by the engine's answer, under Shared::mu.
  bool retry = false;  // refused for load: offer it again
  Status status;       // the final outcome
  std::string reply;   // what to publish on response_topic
};

// A message for the broker (MqttBridge::publish).
struct Downlink {
  std::string topic, payload;
  bool retain = false;
};

// What the engine's callbacks reach; it outlives the bridge when they fire late.
struct Shared {
  Mutex mu;
  // Waiting to be published, oldest first.
  std::vector<Downlink> downlink SPIME_GUARDED_BY(mu);
  bool downlink_full_logged SPIME_GUARDED_BY(mu) = false;
  std::vector<Entry> batch SPIME_GUARDED_BY(mu);  // the messages read since the last write
  std::size_t waiting SPIME_GUARDED_BY(mu) = 0;   // of them, handed on and not answered yet
  int wake_fd = -1;                               // eventfd: the last answer came

  ~Shared() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  void wake() {
    const std::uint64_t one = 1;
    ssize_t n = ::write(wake_fd, &one, sizeof one);
    (void)n;
  }
  void settle(std::size_t index, Status status, std::string reply, bool retry) {
    MutexLock lock(mu);
    Entry& e = batch[index];
    e.status = std::move(status);
    e.reply = std::move(reply);
    e.retry = retry;
    if (--waiting == 0) wake();
  }
};

// One engine call's answer: exactly once, or "dropped" when every copy of
// the callback is destroyed unanswered (engine_api.h).
class Answer {
 public:
  Answer(std::shared_ptr<Shared> shared, std::size_t index, int qos)
      : shared_(std::move(shared)), index_(index), qos_(qos) {}
  ~Answer() {
    if (!answered_) refused(Status::internal("engine dropped the request"));
  }
  void committed(const api::EventResult& result) {
    answered_ = true;
    shared_->settle(index_, Status::ok(), reply_body(result), false);
  }
  void accepted(const std::string& eid) {
    answered_ = true;
    shared_->settle(index_, Status::ok(), reply_body(api::EventResult{eid, krl::Value()}), false);
  }
  // Answered by another Answer (a device topic resolved, then its event).
  void handed_on() { answered_ = true; }
  void refused(const Status& s) {
    answered_ = true;
    // Load, or a full disk while the engine reopens its store: nothing was
    // written, so the message is offered again later, never PUBACKed now.
    const bool retry = qos_ > 0 && (s.code() == Status::Code::kUnavailable ||
                                    s.code() == Status::Code::kStorageFull);
    shared_->settle(index_, s, retry ? std::string() : reply_body(s), retry);
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::size_t index_;
  int qos_;
  bool answered_ = false;
};

std::string broker_name(const BrokerAddress& b) {
  return (b.tls ? "mqtts://" : "mqtt://") + b.host + ":" + std::to_string(b.port);
}

void fill_route(Entry* e, const api::DeviceRoute& route) {
  e->request.eci = route.eci;
  e->request.domain = route.domain;
  e->request.name = route.type;
}

// Hands batch entry `index` to the engine; its Answer settles it.
void submit_entry(api::EngineApi& engine, const std::shared_ptr<Shared>& shared,
                  std::size_t index) {
  api::EventRequest request;
  bool wait_for_commit;
  int qos;
  {
    MutexLock lock(shared->mu);
    const Entry& e = shared->batch[index];
    request = e.request;
    wait_for_commit = e.wait;
    qos = e.qos;
  }
  auto answer = std::make_shared<Answer>(shared, index, qos);
  if (wait_for_commit) {
    engine.event_wait(std::move(request), [answer](api::Result<api::EventResult> r) {
      if (r.ok()) {
        answer->committed(r.value());
      } else {
        answer->refused(r.status());
      }
    });
  } else {
    engine.event(std::move(request), [answer](api::Result<std::string> r) {
      if (r.ok()) {
        answer->accepted(r.value());
      } else {
        answer->refused(r.status());
      }
    });
  }
}

// The topic as a log line may show it (its ECI shortened).
std::string loggable(const Entry& e) {
  return e.request.eci.empty() ? e.topic : logging::shorten_eci_in(e.topic, e.request.eci);
}

}  // namespace

struct MqttBridge::Impl {
  Impl(api::EngineApi& e, MqttBridgeOptions o, std::string share,
       std::shared_ptr<DeviceRoutes> cache)
      : engine(e),
        options(std::move(o)),
        share_prefix(std::move(share)),
        routes(std::move(cache)) {}

  api::EngineApi& engine;
  MqttBridgeOptions options;  // client_id: this session's
  // "" (one session), or "$share/<group>/" before every filter it subscribes.
  std::string share_prefix;
  BrokerAddress broker;
  std::vector<std::string> device_filters;               // the prototypes' device topics
  std::shared_ptr<DeviceRoutes> routes;                  // one for all sessions
  std::unique_ptr<EngineSequenceCheckpoint> checkpoint;  // in the engine's store
  std::unique_ptr<MessageIds> ids;                       // uses checkpoint
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  mosquitto* mosq = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // The bridge's thread only.
  bool connected = false;  // CONNACK accepted on the current socket
  bool outage_logged = false;
  milliseconds reconnect_delay = kReconnectMin;
  Clock::time_point next_connect{};
  milliseconds retry_delay = kRetryMin;
  std::optional<Clock::time_point> retry_at;

  ~Impl() {
    if (mosq) mosquitto_destroy(mosq);
  }

  bool start(std::string* error);
  void run();
  void connect();
  void read_some();
  bool finish_batch();
  void publish_downlink();
  void submit(std::size_t index);
  void route(std::size_t index);
  void hand_on(std::size_t index);
  void wait(int timeout_ms, bool with_socket);
  void write();
  void on_connect(int rc, int flags);
  void on_message(const mosquitto_message* m, const mosquitto_property* props);

  std::size_t batch_size() {
    MutexLock lock(shared->mu);
    return shared->batch.size();
  }
  std::size_t waiting() {
    MutexLock lock(shared->mu);
    return shared->waiting;
  }
};

bool MqttBridge::Impl::start(std::string* error) {
  if (!parse_broker_url(options.url, &broker, error)) return false;
  if (options.client_id.empty()) {
    *error = "the MQTT client id is empty";
    return false;
  }
  if (!options.cafile.empty() && !broker.tls) {
    *error = "--mqtt-cafile needs an mqtts:// broker url";
    return false;
  }
  {
    // The prototypes' device topics (Engine::prototypes answers inline; the
    // wait is bounded all the same).
    auto got = std::make_shared<std::promise<api::Result<krl::Value>>>();
    std::future<api::Result<krl::Value>> value = got->get_future();
    engine.prototypes([got](api::Result<krl::Value> r) { got->set_value(std::move(r)); });
    try {
      if (value.wait_for(std::chrono::seconds(5)) == std::future_status::ready) {
        api::Result<krl::Value> r = value.get();
        if (r.ok()) device_filters = mqtt::device_filters(r.value());
      }
    } catch (const std::future_error&) {
      // The engine dropped the call: no device topics.
    }
  }
  const std::string session = broker_name(broker) + " " + options.client_id;
  checkpoint = std::make_unique<EngineSequenceCheckpoint>(engine);
  ids = std::make_unique<MessageIds>(*checkpoint, session, options.state_dir);
  if (!ids->open(error)) return false;
  shared->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (shared->wake_fd < 0) {
    *error = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  mosquitto_lib_init();
  // Clean Start false: the broker keeps the session (clean_session=false in 3.1.1 terms).
  mosq = mosquitto_new(options.client_id.c_str(), false, this);
  if (!mosq) {
    *error = std::string("mosquitto_new: ") + std::strerror(errno);
    return false;
  }
  int rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_threaded_set(mosq, true);
  // A PUBACK or a reply is a small packet written once a batch committed:
  // without this, Nagle holds it until the broker's delayed ACK (~40 ms).
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
  if (rc == MOSQ_ERR_SUCCESS && broker.tls) {
    rc = options.cafile.empty()
             ? mosquitto_tls_set(mosq, nullptr, "/etc/ssl/certs", nullptr, nullptr, nullptr)
             : mosquitto_tls_set(mosq, options.cafile.c_str(), nullptr, nullptr, nullptr, nullptr);
  }
  if (rc != MOSQ_ERR_SUCCESS) {
    *error = std::string("libmosquitto: ") + mosquitto_strerror(rc);
    return false;
  }
  mosquitto_connect_v5_callback_set(
      mosq, [](mosquitto*, void* self, int code, int flags, const mosquitto_property*) {
        static_cast<Impl*>(self)->on_connect(code, flags);
      });
  mosquitto_disconnect_v5_callback_set(
      mosq, [](mosquitto*, void* self, int code, const mosquitto_property*) {
        Impl* impl = static_cast<Impl*>(self);
        if (impl->connected && !impl->stopping.load()) {
          logging::warn("mqtt: disconnected from " + broker_name(impl->broker) + " (" +
                        mosquitto_strerror(code) + "); reconnecting");
        }
        impl->connected = false;
      });
  mosquitto_message_v5_callback_set(
      mosq, [](mosquitto*, void* self, const mosquitto_message* m, const mosquitto_property* p) {
        static_cast<Impl*>(self)->on_message(m, p);
      });
  thread = std::thread([this] { run(); });
  return true;
}

// ---- the bridge's thread -------------------------------------------------------

void MqttBridge::Impl::run() {
  while (!stopping.load()) {
    if (batch_size() > 0) {
      // Nothing is read or written until every message read has its answer.
      if (waiting() > 0) {
        wait(1000, false);
      } else if (finish_batch()) {
        write();
      } else if (retry_at) {
        const auto left =
            std::chrono::duration_cast<milliseconds>(*retry_at - Clock::now()).count();
        if (left > 0) wait(static_cast<int>(left), false);
      }
      continue;
    }
    if (mosquitto_socket(mosq) < 0) {
      connect();
      continue;
    }
    if (connected) publish_downlink();
    if (mosquitto_want_write(mosq)) write();
    wait(1000, true);
    if (stopping.load()) break;
    if (mosquitto_socket(mosq) >= 0) mosquitto_loop_misc(mosq);
  }

  // Stop: let the messages handed on finish, acknowledge them, disconnect.
  const Clock::time_point deadline = Clock::now() + kStopGrace;
  bool settled = batch_size() == 0;
  while (!settled && Clock::now() < deadline) {
    if (waiting() > 0) {
      wait(static_cast<int>(
               std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count()) +
               1,
           false);
      continue;
    }
    // A message refused for load is not offered again now: its PUBACK must
    // not leave, and the queue holds the PUBACKs in order, so none leaves.
    settled = finish_batch();
    if (!settled) break;
  }
  if (settled && mosquitto_socket(mosq) >= 0) {
    if (connected) publish_downlink();
    write();
    mosquitto_disconnect_v5(mosq, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
    write();
  }
  // Otherwise the socket just closes (mosquitto_destroy): the broker sends
  // the unacknowledged messages again at the next start.
}

void MqttBridge::Impl::connect() {
  const Clock::time_point now = Clock::now();
  if (now < next_connect) {
    wait(static_cast<int>(std::chrono::duration_cast<milliseconds>(next_connect - now).count()) + 1,
         false);
    return;
  }
  mosquitto_property* props = nullptr;
  // The session outlives the connection ("never" expires: the broker's
  // limits bound what it keeps), and at most receive_maximum QoS 1 messages
  // are unacknowledged at once (message_ids.h depends on it).
  mosquitto_property_add_int32(&props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, UINT32_MAX);
  mosquitto_property_add_int16(&props, MQTT_PROP_RECEIVE_MAXIMUM,
                               static_cast<std::uint16_t>(options.receive_maximum));
  const int rc = mosquitto_connect_bind_v5(mosq, broker.host.c_str(), broker.port,
                                           options.keepalive_seconds, nullptr, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (!outage_logged) {
      const std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
      logging::warn("mqtt: cannot reach " + broker_name(broker) + " (" + why +
                    "); trying again with a backoff up to " +
                    std::to_string(kReconnectMax.count()) + " ms");
      outage_logged = true;
    }
    next_connect = Clock::now() + reconnect_delay;
    reconnect_delay = std::min(reconnect_delay * 2, kReconnectMax);
    return;
  }
  write();  // CONNECT; CONNACK comes through read_some (on_connect)
}

void MqttBridge::Impl::on_connect(int rc, int flags) {
  if (rc != 0) {
    logging::error("mqtt: " + broker_name(broker) +
                   " refused the connection: " + mosquitto_reason_string(rc));
    next_connect = Clock::now() + reconnect_delay;
    reconnect_delay = std::min(reconnect_delay * 2, kReconnectMax);
    return;
  }
  connected = true;
  outage_logged = false;
  reconnect_delay = kReconnectMin;
  const bool resumed = (flags & 1) != 0;  // Session Present
  std::string error;
  if (!resumed && !ids->new_session(&error)) logging::error("mqtt: " + error);
  // The subscription is part of the session; asking again is harmless.
  // Every filter in the sessions' shared form: a plain one would send each
  // message to every session, and each would run it.
  std::string subscribed;
  std::vector<std::string> filters{kEventTopicFilter};
  filters.insert(filters.end(), device_filters.begin(), device_filters.end());
  for (const std::string& f : filters) {
    const std::string filter = share_prefix + f;
    mosquitto_subscribe_v5(mosq, nullptr, filter.c_str(), 1, MQTT_SUB_OPT_SEND_RETAIN_NEVER,
                           nullptr);
    subscribed += (subscribed.empty() ? "" : ", ") + filter;
  }
  logging::info("mqtt: connected to " + broker_name(broker) + " as " + options.client_id + " (" +
                (resumed ? "session resumed" : "new session") + "), subscribed " + subscribed);
}

// Reads up to kMaxBatch messages that are already there, without waiting.
void MqttBridge::Impl::read_some() {
  for (std::size_t reads = 0; reads < 2 * kMaxBatch; ++reads) {
    if (mosquitto_loop_read(mosq, 1) != MOSQ_ERR_SUCCESS) return;  // the socket closed
    if (batch_size() >= kMaxBatch || mosquitto_socket(mosq) < 0) return;
    pollfd p{mosquitto_socket(mosq), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return;
  }
}

void MqttBridge::Impl::on_message(const mosquitto_message* m, const mosquitto_property* props) {
  Entry e;
  e.qos = m->qos;
  e.topic = m->topic ? m->topic : "";
  char* response_topic = nullptr;
  if (mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false)) {
    e.response_topic = response_topic;
    std::free(response_topic);
    void* data = nullptr;
    std::uint16_t length = 0;
    if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &length, false)) {
      e.correlation.assign(static_cast<const char*>(data), length);
      std::free(data);
    }
  }
  const std::string_view payload(static_cast<const char*>(m->payload),
                                 m->payload ? static_cast<std::size_t>(m->payloadlen) : 0);
  e.device = !is_event_topic(e.topic);
  Status s = e.device ? attrs_from_payload(payload, &e.request.attrs)
                      : event_from_message(e.topic, payload, &e.request);
  e.wait = e.qos > 0 || !e.response_topic.empty();
  if (s.is_ok() && e.qos > 0) {
    std::string error;
    e.request.sender = ids->sender();
    e.request.sender_event_id = std::to_string(ids->id_of(m->mid, e.topic, payload, &error));
    if (!error.empty()) logging::error("mqtt: " + error);
  }
  if (!s.is_ok()) e.reply = reply_body(s);
  e.status = s;
  std::size_t index;
  {
    MutexLock lock(shared->mu);
    shared->batch.push_back(std::move(e));
    index = shared->batch.size() - 1;
    if (s.is_ok()) ++shared->waiting;
  }
  if (s.is_ok()) hand_on(index);
}

void MqttBridge::Impl::hand_on(std::size_t index) {
  bool device;
  {
    MutexLock lock(shared->mu);
    device = shared->batch[index].device;
  }
  if (device) {
    route(index);
  } else {
    submit(index);
  }
}

// A device topic: its route from the cache, or from the engine; then the
// event as any other. Not found: refused (logged, counted, acknowledged).
void MqttBridge::Impl::route(std::size_t index) {
  std::string topic;
  int qos;
  {
    MutexLock lock(shared->mu);
    Entry& e = shared->batch[index];
    const std::optional<api::DeviceRoute> known = routes->find(e.topic);
    e.cached = known.has_value();
    if (e.cached) {
      fill_route(&e, *known);
    } else {
      topic = e.topic;
    }
    qos = e.qos;
  }
  if (topic.empty()) return submit(index);
  auto answer = std::make_shared<Answer>(shared, index, qos);
  api::EngineApi* eng = &engine;
  std::shared_ptr<Shared> sh = shared;
  std::shared_ptr<DeviceRoutes> cache = routes;
  engine.device_topic(topic,
                      [eng, sh, cache, answer, index, topic](api::Result<api::DeviceRoute> r) {
                        if (!r.ok()) return answer->refused(r.status());
                        cache->remember(topic, r.value());
                        {
                          MutexLock lock(sh->mu);
                          fill_route(&sh->batch[index], r.value());
                        }
                        answer->handed_on();
                        submit_entry(*eng, sh, index);
                      });
}

void MqttBridge::Impl::submit(std::size_t index) {
  submit_entry(engine, shared, index);
}

// Every message of the batch answered: offers again those refused for load
// (after the backoff), or reports the outcomes, publishes the replies and
// empties the batch (true: the PUBACKs may go).
bool MqttBridge::Impl::finish_batch() {
  std::vector<std::size_t> again, reroute;
  {
    MutexLock lock(shared->mu);
    for (std::size_t i = 0; i < shared->batch.size(); ++i) {
      Entry& e = shared->batch[i];
      if (e.device && e.cached && e.status.code() == Status::Code::kNotFound) {
        // A stale route (the device deleted, perhaps made again under the
        // same name): asked of the engine once more, now.
        routes->forget(e.topic);
        e.cached = false;
        e.status = Status::ok();
        reroute.push_back(i);
      } else if (e.retry) {
        again.push_back(i);
      }
    }
    shared->waiting += reroute.size();
  }
  if (!reroute.empty()) {
    for (std::size_t i : reroute) route(i);
    return false;
  }
  if (!again.empty()) {
    if (stopping.load()) return false;
    const Clock::time_point now = Clock::now();
    if (!retry_at) {
      logging::debug("mqtt: " + std::to_string(again.size()) +
                     " message(s) refused for load; offered again in " +
                     std::to_string(retry_delay.count()) + " ms");
      retry_at = now + retry_delay;
      retry_delay = std::min(retry_delay * 2, kRetryMax);
      return false;
    }
    if (now < *retry_at) return false;
    retry_at.reset();
    {
      MutexLock lock(shared->mu);
      for (std::size_t i : again) shared->batch[i].retry = false;
      shared->waiting += again.size();
    }
    for (std::size_t i : again) hand_on(i);
    return false;
  }
  retry_delay = kRetryMin;
  std::vector<Entry> done;
  {
    MutexLock lock(shared->mu);
    done.swap(shared->batch);
  }
  for (const Entry& e : done) {
    engine.mqtt_handled(e.status.code());
    if (e.device && e.status.code() == Status::Code::kNotFound) {
      routes->forget(e.topic);  // the device is gone (or never was)
    }
    if (!e.status.is_ok()) {
      logging::info("mqtt: " + loggable(e) + " refused: " +
                    (e.request.eci.empty()
                         ? e.status.message()
                         : logging::shorten_eci_in(e.status.message(), e.request.eci)));
    }
    if (e.response_topic.empty() || mosquitto_socket(mosq) < 0) continue;
    mosquitto_property* props = nullptr;
    if (!e.correlation.empty()) {
      mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, e.correlation.data(),
                                    static_cast<std::uint16_t>(e.correlation.size()));
    }
    mosquitto_publish_v5(mosq, nullptr, e.response_topic.c_str(), static_cast<int>(e.reply.size()),
                         e.reply.data(), 0, false, props);
    mosquitto_property_free_all(&props);
  }
  return true;
}

// Publishes what publish() queued (between batches, so no PUBACK of an
// unfinished message goes out with them).
void MqttBridge::Impl::publish_downlink() {
  std::vector<Downlink> out;
  {
    MutexLock lock(shared->mu);
    if (shared->downlink.empty()) return;
    out.swap(shared->downlink);
    shared->downlink_full_logged = false;
  }
  for (const Downlink& d : out) {
    const int rc =
        mosquitto_publish_v5(mosq, nullptr, d.topic.c_str(), static_cast<int>(d.payload.size()),
                             d.payload.data(), 1, d.retain, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      logging::warn("mqtt: publish to " + d.topic + " failed: " + mosquitto_strerror(rc));
    }
  }
  write();
}

void MqttBridge::Impl::write() {
  if (mosquitto_socket(mosq) < 0) return;
  mosquitto_loop_write(mosq, 1);
}

// Sleeps until an answer comes, the socket is readable (with_socket: then
// reads), the socket can take what waits to be written, or `timeout_ms`.
void MqttBridge::Impl::wait(int timeout_ms, bool with_socket) {
  pollfd fds[2] = {{shared->wake_fd, POLLIN, 0}, {-1, 0, 0}};
  nfds_t n = 1;
  const int sock = mosquitto_socket(mosq);
  if (with_socket && sock >= 0) {
    fds[1] = {sock, static_cast<short>(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0)), 0};
    n = 2;
  }
  if (::poll(fds, n, std::max(0, std::min(timeout_ms, 1000))) <= 0) return;
  if (fds[0].revents & POLLIN) {
    std::uint64_t count;
    ssize_t r = ::read(shared->wake_fd, &count, sizeof count);
    (void)r;
  }
  if (n == 2 && (fds[1].revents & POLLOUT)) write();
  if (n == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_some();
}

// ---- MqttBridge -------------------------------------------------------------------

// A shared subscription's group name may not hold '/', '+' or '#'.
static std::string share_group(const std::string& client_id) {
  std::string g = client_id;
  for (char& c : g) {
    if (c == '/' || c == '+' || c == '#') c = '_';
  }
  return g;
}

MqttBridge::MqttBridge(api::EngineApi& engine, MqttBridgeOptions options) {
  auto routes = std::make_shared<DeviceRoutes>();
  const int n = options.sessions;
  if (n == 1) {
    impls_.push_back(std::make_unique<Impl>(engine, options, "", routes));
    return;
  }
  const std::string share = "$share/" + share_group(options.client_id) + "/";
  for (int k = 1; k <= n && k <= kMaxSessions; ++k) {
    MqttBridgeOptions session = options;
    session.client_id = options.client_id + "-" + std::to_string(k);
    impls_.push_back(std::make_unique<Impl>(engine, std::move(session), share, routes));
  }
}

MqttBridge::~MqttBridge() {
  stop();
}

bool MqttBridge::start(std::string* error) {
  const MqttBridgeOptions& o = impls_.front()->options;
  if (o.sessions < 1 || o.sessions > kMaxSessions) {
    *error = "the MQTT sessions must be in 1.." + std::to_string(kMaxSessions);
    return false;
  }
  if (o.receive_maximum < 1 || o.sessions * o.receive_maximum > kMaxReceiveMaximum) {
    *error =
        "the MQTT receive maximum must be at least 1, and sessions times receive maximum "
        "at most " +
        std::to_string(kMaxReceiveMaximum);
    return false;
  }
  for (auto& impl : impls_) {
    if (!impl->start(error)) {
      stop();
      return false;
    }
  }
  return true;
}

void MqttBridge::publish(const std::string& topic, const std::string& payload, bool retain) {
  Shared& s = *impls_.front()->shared;
  {
    MutexLock lock(s.mu);
    if (s.downlink.size() >= kMaxDownlink) {
      if (!s.downlink_full_logged) {
        logging::warn("mqtt: " + std::to_string(kMaxDownlink) +
                      " messages wait for the broker: dropping more");
        s.downlink_full_logged = true;
      }
      return;
    }
    s.downlink.push_back(Downlink{topic, payload, retain});
  }
  if (s.wake_fd >= 0) s.wake();
}

void MqttBridge::stop() {
  // All sessions wind down at once, so a stop takes one kStopGrace, not N.
  for (auto& impl : impls_) {
    impl->stopping.store(true);
    if (impl->shared->wake_fd >= 0) {
      const std::uint64_t one = 1;
      ssize_t n = ::write(impl->shared->wake_fd, &one, sizeof one);
      (void)n;
    }
  }
  for (auto& impl : impls_) {
    if (impl->thread.joinable()) impl->thread.join();
  }
}

}  // namespace spime::mqtt
