#include "tests/devices/reply_peer.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace spime::devices_test {

ReplyPeer::ReplyPeer(unsigned short broker_port, Handler handler) : handler_(std::move(handler)) {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(nullptr, /*clean_session=*/true, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_connect_v5_callback_set(mosq_, &ReplyPeer::on_connect);
  mosquitto_subscribe_v5_callback_set(mosq_, &ReplyPeer::on_subscribe);
  mosquitto_message_v5_callback_set(mosq_, &ReplyPeer::on_message);
  if (mosquitto_connect_bind_v5(mosq_, "127.0.0.1", broker_port, 30, nullptr, nullptr) !=
          MOSQ_ERR_SUCCESS ||
      mosquitto_loop_start(mosq_) != MOSQ_ERR_SUCCESS) {
    mosquitto_destroy(mosq_);
    throw std::runtime_error("the stand-in bridge cannot connect to the broker");
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!changed_.wait_for(lock, std::chrono::seconds(10), [this] { return subscribed_; })) {
    lock.unlock();
    mosquitto_disconnect(mosq_);
    mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
    throw std::runtime_error("the stand-in bridge did not subscribe in time");
  }
}

ReplyPeer::~ReplyPeer() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

void ReplyPeer::on_connect(mosquitto* mosq, void*, int rc, int, const mosquitto_property*) {
  if (rc == 0) mosquitto_subscribe_v5(mosq, nullptr, "spime/+/+/+", 1, 0, nullptr);
}

void ReplyPeer::on_subscribe(mosquitto*, void* self, int, int, const int*,
                             const mosquitto_property*) {
  auto* b = static_cast<ReplyPeer*>(self);
  std::lock_guard<std::mutex> lock(b->mu_);
  b->subscribed_ = true;
  b->changed_.notify_all();
}

void ReplyPeer::on_message(mosquitto* mosq, void* self, const mosquitto_message* message,
                           const mosquitto_property* props) {
  auto* b = static_cast<ReplyPeer*>(self);
  b->messages_.fetch_add(1);
  const std::string payload = message->payload
                                  ? std::string(static_cast<const char*>(message->payload),
                                                static_cast<std::size_t>(message->payloadlen))
                                  : std::string();
  const std::optional<std::string> reply = b->handler_(message->topic, payload);
  char* response_topic = nullptr;
  if (!reply ||
      !mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false))
    return;
  mosquitto_property* out = nullptr;
  void* correlation = nullptr;
  std::uint16_t length = 0;
  if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation, &length,
                                     false)) {
    mosquitto_property_add_binary(&out, MQTT_PROP_CORRELATION_DATA, correlation, length);
    std::free(correlation);
  }
  mosquitto_publish_v5(mosq, nullptr, response_topic, static_cast<int>(reply->size()),
                       reply->data(), 0, false, out);
  mosquitto_property_free_all(&out);
  std::free(response_topic);
}

}  // namespace spime::devices_test
