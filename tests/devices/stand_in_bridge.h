// StandInBridge: what the fleet simulator's MQTT tests put where spime's
// MQTT bridge (channels/mqtt/, not in this branch) will be: a libmosquitto
// client (MQTT 5) subscribed with QoS 1 to `spime/+/+/+` that hands each
// message to a handler and publishes what the handler returns (QoS 0) on
// the message's Response Topic, with its Correlation Data echoed, as the
// MQTT contract says the bridge does. Messages without a Response Topic
// get no reply. forward_to_engine() makes the handler that turns a message
// into the HTTP event (POST /sky/event/<eci>/mqtt/<domain>/<type>, the
// payload as its body) and replies with the engine's answer: its body for
// a 2xx or 4xx (`{"eid", "directives"}` or `{"error"}`), else an error.
//
// Bounded: start() waits at most 10 s for the connection and the
// subscription (throws std::runtime_error otherwise); each forwarded event
// at most 10 s. The handler runs on the library's network thread, one
// message at a time. messages() may be read from any thread.
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

Handler forward_to_engine(unsigned short http_port);

class StandInBridge {
 public:
  StandInBridge(unsigned short broker_port, Handler handler);
  ~StandInBridge();
  StandInBridge(const StandInBridge&) = delete;
  StandInBridge& operator=(const StandInBridge&) = delete;

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
