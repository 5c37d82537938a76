// ReplyPeer: the other end of the fleet simulator's MQTT link in the link's
// own tests: a libmosquitto client (MQTT 5) subscribed with QoS 1 to
// `spime/+/+/+` that hands each message to a handler and publishes what the
// handler returns (QoS 0) on the message's Response Topic, with its
// Correlation Data echoed, as the MQTT contract (README, "MQTT devices")
// says spime's bridge does. It lets those tests make replies spime would
// not (duplicates, none); the simulator's whole run is tested against the
// real bridge (`spime serve --mqtt`). Messages without a Response Topic get
// no reply.
//
// Bounded: start() waits at most 10 s for the connection and the
// subscription (throws std::runtime_error otherwise). The handler runs on
// the library's network thread, one message at a time. messages() may be
// read from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace spime::devices_test {

// The reply to publish for (topic, payload); nullopt: none.
using Handler =
    std::function<std::optional<std::string>(const std::string& topic, const std::string& payload)>;

class ReplyPeer {
 public:
  ReplyPeer(unsigned short broker_port, Handler handler);
  ~ReplyPeer();
  ReplyPeer(const ReplyPeer&) = delete;
  ReplyPeer& operator=(const ReplyPeer&) = delete;

  std::int64_t messages() const { return messages_.load(); }

 private:
  static void on_connect(mosquitto*, void* self, int rc, int flags, const mosquitto_property*);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                           const mosquitto_property*);
  static void on_message(mosquitto*, void* self, const mosquitto_message* message,
                         const mosquitto_property* props);

  Handler handler_;
  mosquitto* mosq_ = nullptr;
  std::atomic<std::int64_t> messages_{0};
  std::mutex mu_;
  std::condition_variable changed_;
  bool subscribed_ = false;
};

}  // namespace spime::devices_test
