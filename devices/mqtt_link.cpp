#include "devices/mqtt_link.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace spime::devices {

namespace {

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

// A PUBACK reason that says the message will reach no one.
std::string puback_problem(int reason) {
  if (reason == MQTT_RC_NO_MATCHING_SUBSCRIBERS)
    return "the broker has no subscriber for the topic (is spime serve running with --mqtt?)";
  if (reason >= 0x80)
    return std::string("the broker refused the message: ") + mosquitto_reason_string(reason);
  return "";
}

}  // namespace

MqttLink::MqttLink(Options options) : options_(std::move(options)) {
  init_library_once();
  mosq_ = mosquitto_new(options_.client_id.c_str(), /*clean_session=*/true, this);
  if (!mosq_) return;
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  // A load tool sends small packets and waits for answers: Nagle's
  // algorithm would hold some behind the peer's delayed ACK (40 ms).
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_reconnect_delay_set(mosq_, 1, 2, false);
  mosquitto_connect_v5_callback_set(mosq_, &MqttLink::on_connect);
  mosquitto_disconnect_v5_callback_set(mosq_, &MqttLink::on_disconnect);
  mosquitto_subscribe_v5_callback_set(mosq_, &MqttLink::on_subscribe);
  mosquitto_publish_v5_callback_set(mosq_, &MqttLink::on_publish);
  mosquitto_message_v5_callback_set(mosq_, &MqttLink::on_message);
}

MqttLink::~MqttLink() {
  if (!mosq_) return;
  if (loop_started_) {
    mosquitto_disconnect_v5(mosq_, MQTT_RC_NORMAL_DISCONNECTION, nullptr);
    mosquitto_loop_stop(mosq_, /*force=*/false);
  }
  mosquitto_destroy(mosq_);
}

std::string MqttLink::open() {
  if (!mosq_) return "cannot make an MQTT client (out of memory?)";
  if (loop_started_) return "";
  const int rc =
      mosquitto_connect_bind_v5(mosq_, options_.broker.host.c_str(), options_.broker.port,
                                options_.keepalive_seconds, nullptr, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
    return "no MQTT broker at " + options_.broker.to_string() + ": " + why;
  }
  if (mosquitto_loop_start(mosq_) != MOSQ_ERR_SUCCESS)
    return "cannot start the MQTT client's thread";
  loop_started_ = true;
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, options_.timeout,
                    [this] { return subscribed_ || !connect_error_.empty(); });
  if (subscribed_) return "";
  if (!connect_error_.empty()) return connect_error_;
  return "the MQTT broker at " + options_.broker.to_string() +
         " did not take the connection and its subscription in time";
}

MqttExchange MqttLink::request(const std::string& topic, const std::string& payload) {
  MqttExchange out;
  std::uint64_t number = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!connected_ || !subscribed_) {
      out.error = "not connected to the MQTT broker" +
                  (connect_error_.empty() ? std::string() : " (" + connect_error_ + ")");
      return out;
    }
    number = ++next_request_;
    waiting_for_ = number;
    reply_in_ = false;
    reply_.clear();
    puback_mid_ = -1;
  }
  const std::string correlation = correlation_of(number);
  mosquitto_property* props = nullptr;
  mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, options_.reply_topic.c_str());
  mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation.data(),
                                static_cast<std::uint16_t>(correlation.size()));
  int mid = 0;
  const int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), /*qos=*/1, /*retain=*/false, props);
  mosquitto_property_free_all(&props);
  std::unique_lock<std::mutex> lock(mu_);
  if (rc != MOSQ_ERR_SUCCESS) {
    waiting_for_ = 0;
    out.error = std::string("publish failed: ") + mosquitto_strerror(rc);
    return out;
  }
  std::string refused;
  const auto done = [&] {
    if (reply_in_) return true;
    if (puback_mid_ == mid) refused = puback_problem(puback_reason_);
    return !refused.empty();
  };
  changed_.wait_for(lock, options_.timeout, done);
  waiting_for_ = 0;
  if (reply_in_) {
    out.replied = true;
    out.payload = std::move(reply_);
    return out;
  }
  if (!refused.empty()) {
    out.error = refused;
    return out;
  }
  out.error = "no reply within " + std::to_string(options_.timeout.count()) + " ms" +
              (connected_ ? std::string() : " (disconnected from the broker)");
  return out;
}

std::int64_t MqttLink::stray_replies() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stray_;
}

void MqttLink::on_connect(mosquitto* mosq, void* self, int rc, int, const mosquitto_property*) {
  auto* link = static_cast<MqttLink*>(self);
  if (rc != 0) {
    std::lock_guard<std::mutex> lock(link->mu_);
    link->connect_error_ =
        "the MQTT broker refused the connection: " + std::string(mosquitto_reason_string(rc));
    link->changed_.notify_all();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(link->mu_);
    link->connected_ = true;
    link->connect_error_.clear();
  }
  // Replies are published with QoS 0: a QoS 0 subscription takes them.
  const int sub =
      mosquitto_subscribe_v5(mosq, nullptr, link->options_.reply_topic.c_str(), 0, 0, nullptr);
  if (sub != MOSQ_ERR_SUCCESS) {
    std::lock_guard<std::mutex> lock(link->mu_);
    link->connect_error_ =
        std::string("cannot subscribe to the reply topic: ") + mosquitto_strerror(sub);
    link->changed_.notify_all();
  }
}

void MqttLink::on_disconnect(mosquitto*, void* self, int rc, const mosquitto_property*) {
  auto* link = static_cast<MqttLink*>(self);
  std::lock_guard<std::mutex> lock(link->mu_);
  link->connected_ = false;
  link->subscribed_ = false;
  if (rc != 0) link->connect_error_ = "disconnected from the MQTT broker";
  link->changed_.notify_all();
}

void MqttLink::on_subscribe(mosquitto*, void* self, int, int count, const int* granted,
                            const mosquitto_property*) {
  auto* link = static_cast<MqttLink*>(self);
  std::lock_guard<std::mutex> lock(link->mu_);
  if (count >= 1 && granted[0] < 0x80) {
    link->subscribed_ = true;
  } else {
    link->connect_error_ = "the MQTT broker refused the reply topic's subscription";
  }
  link->changed_.notify_all();
}

void MqttLink::on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
  auto* link = static_cast<MqttLink*>(self);
  std::lock_guard<std::mutex> lock(link->mu_);
  link->puback_mid_ = mid;
  link->puback_reason_ = reason;
  link->changed_.notify_all();
}

void MqttLink::on_message(mosquitto*, void* self, const mosquitto_message* message,
                          const mosquitto_property* props) {
  auto* link = static_cast<MqttLink*>(self);
  void* data = nullptr;
  std::uint16_t length = 0;
  std::uint64_t number = 0;
  bool numbered = false;
  if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &length, false)) {
    numbered = parse_correlation(std::string_view(static_cast<const char*>(data), length), &number);
    std::free(data);
  }
  std::lock_guard<std::mutex> lock(link->mu_);
  const bool ours = numbered && number == link->waiting_for_ && number != 0 && !link->reply_in_ &&
                    message->topic && link->options_.reply_topic == message->topic;
  if (!ours) {
    ++link->stray_;
    return;
  }
  link->reply_in_ = true;
  if (message->payload && message->payloadlen > 0)
    link->reply_.assign(static_cast<const char*>(message->payload),
                        static_cast<std::size_t>(message->payloadlen));
  link->changed_.notify_all();
}

}  // namespace spime::devices
