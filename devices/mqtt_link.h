// MqttLink: one simulator connection to an MQTT broker (libmosquitto,
// MQTT 5), that publishes events and waits for their replies: the MQTT
// counterpart of one keep-alive HttpClient of the load loop.
//
// open() connects (clean start, its own client id), subscribes to the
// link's reply topic and waits for both, at most Options::timeout.
// request() publishes a payload with QoS 1, the reply topic as Response
// Topic and a fresh request number as Correlation Data (mqtt_topics.h),
// then waits for the reply that carries that number: one request in flight
// per link, as one request per keep-alive HTTP connection. It ends at the
// first of:
//   - the reply (its payload, as the publisher received it);
//   - a PUBACK that says the broker did not take it, or that nobody
//     subscribes to the topic (reason 0x10: no bridge listens);
//   - Options::timeout after the publish (a reply that comes later is
//     dropped: it carries an old number).
// A reply for another number, or on another topic, is dropped. Lost
// connections are retried by the library's thread (every 0.1 to 2 s); the
// reply topic is subscribed again on each connection; a request while
// disconnected fails at once.
//
// Threads: the library's network thread (started by open(), joined by the
// destructor) runs the callbacks; open() and request() are for one thread
// at a time (the load loop's thread of this connection). Never throws.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "devices/mqtt_topics.h"

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace spime::devices {

struct MqttExchange {
  bool replied = false;
  std::string payload;  // the reply, when replied
  std::string error;    // why not, when not replied
};

class MqttLink {
 public:
  struct Options {
    MqttUrl broker;
    std::string client_id;
    std::string reply_topic;
    std::chrono::milliseconds timeout{10000};  // open(), and each request
    int keepalive_seconds = 30;
  };

  explicit MqttLink(Options options);
  ~MqttLink();  // disconnects and joins the network thread
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  // "" once connected and subscribed, else why not.
  std::string open();
  // Publishes `payload` to `topic` (QoS 1) and waits for its reply.
  MqttExchange request(const std::string& topic, const std::string& payload);

  // Replies dropped (another number, or after their request gave up).
  std::int64_t stray_replies() const;

 private:
  static void on_connect(mosquitto*, void* self, int rc, int flags, const mosquitto_property*);
  static void on_disconnect(mosquitto*, void* self, int rc, const mosquitto_property*);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                           const mosquitto_property*);
  static void on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message,
                         const mosquitto_property* props);

  Options options_;
  mosquitto* mosq_ = nullptr;
  bool loop_started_ = false;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool connected_ = false;
  bool subscribed_ = false;
  std::string connect_error_;  // the last CONNACK refusal or disconnect, for open()
  std::uint64_t next_request_ = 0;
  std::uint64_t waiting_for_ = 0;  // the request in flight; 0: none
  bool reply_in_ = false;
  std::string reply_;
  int puback_mid_ = -1;  // the last PUBACK's message id and reason
  int puback_reason_ = 0;
  std::int64_t stray_ = 0;
};

}  // namespace spime::devices
