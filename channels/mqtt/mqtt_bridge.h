// MqttBridge: spime as a client of an MQTT broker (Mosquitto). Every message
// published to spime/<eci>/<domain>/<type> (mqtt_event.h) becomes an event
// through the same EngineApi the HTTP routes call, so admission (unknown ECI,
// the channel's event policy, its attribute schema) is the same code.
//
// The session. MQTT 5 through libmosquitto, client id `client_id` (stable:
// `spime serve` derives it from the engine id), Clean Start false and a
// Session Expiry Interval of "never", so the broker keeps the subscription
// and every message for it while spime is down (what it keeps is bounded by
// the broker's own settings: max_queued_messages, persistence). It
// subscribes spime/+/+/+ with QoS 1 (retained messages are not sent: a
// retained message is a state, not an event), and asks for at most
// `receive_maximum` unacknowledged QoS 1 messages at a time (MQTT 5 Receive
// Maximum). The default is 1, on purpose: Mosquitto 2.0.11 and 2.0.12 (the
// Debian package here) do not keep to a larger one once messages queue up
// for the client: each PUBACK moves up to Receive Maximum queued messages
// into flight (src/database.c, db__message_delete_outgoing; eclipse/mosquitto
// #2306, fixed in 2.0.13), so the unacknowledged window grows without bound,
// and with it the number of committed messages a crash can make the broker
// send again (message_ids.h needs that number below 64). Raise it (up to 32)
// only with a broker that honours it: it lets one read hand several
// messages to the engine at once.
//
// Sessions. One session with a window of 1 is one stream for the whole
// fleet: each message waits for its commit and the broker's next send
// (BENCHMARKS.md: 26 % of HTTP's rate). So the bridge runs `sessions`
// sessions (default 8), client ids <client_id>-1..N, each with its own
// thread, socket, window and delivery ids (message_ids.h: a sender per
// session), on one MQTT 5 shared subscription $share/<client_id>/spime/+/+/+:
// the broker hands each message to one of them and keeps to each one's
// window of 1, so at most sessions * receive_maximum messages (<= 32) are
// in flight in all, which the 64 delivery ids of a channel cover. With
// sessions = 1 the client id is <client_id> and the subscription is plain
// spime/+/+/+. The price: two messages of one device may run on two
// sessions at once, so their order is not kept unless the device waits for
// each PUBACK (as a sleeping sensor does). Mosquitto queues a shared
// subscription's messages for a session that is offline, so a restart of
// spime loses nothing; changing `sessions` leaves the old sessions' queues
// at the broker (they hold messages until those ids connect again, or the
// broker's admin removes them). Downlink goes through the first session.
//
// QoS 1 is acknowledged after the commit. libmosquitto 2.0.11 answers a QoS 1
// PUBLISH by calling send__puback BEFORE it calls on_message
// (lib/handle_publish.c); send__puback only queues the packet
// (lib/packet_mosq.c, packet__queue), and packet__queue writes the queue to
// the socket itself only when the client is not threaded and not in a
// callback. So the bridge marks the client threaded (mosquitto_threaded_set)
// and drives the network itself on its own thread (never a Beast or actor
// thread): poll the socket, mosquitto_loop_read (one packet per call: its
// count of packets is that of QoS 2 and outgoing messages in flight, none
// here, so 1), hand each message to the engine from on_message, and call
// mosquitto_loop_write, which writes the queue in order, ONLY when every
// message read so far has its final answer: a QoS 1 event (event_wait)
// answered means its schedule committed, or it was refused for good. The
// queue is first in first out, so no PUBACK (nor reply, nor PINGREQ) leaves
// before that. At most kMaxBatch messages are read before the bridge waits
// for their answers: no unbounded queue.
//
// Device topics. Besides spime/+/+/+ the bridge subscribes (QoS 1) the
// filter of every loaded prototype's mqtt.topics (sensors/+/heartbeat for
// sensors/{device}/heartbeat; read once at start()), each in the sessions'
// shared form when there are several (see Sessions). A message on another
// topic than spime/... is a device's: the engine says where it lands
// (EngineApi::device_topic: ECI, domain, type, recorded when the device was
// made), then it goes on exactly as spime/<eci>/<domain>/<type> would (same
// payload rules, admission, ack after commit, delivery id, reply). Routes
// are cached, one cache for all sessions (device_routes.h); when the event of a
// cached route is refused as not found (the device was deleted, perhaps
// made again under the same name), the route is dropped and the engine
// asked again, once, for that message. A topic no device publishes to is
// refused as not found (logged, counted, acknowledged).
//
// Outcomes. Committed: acknowledged, and the reply (below). Refused for what
// it is (malformed topic or payload, unknown ECI, policy, schema; a rule
// error too, whose writes were rolled back, as HTTP answers it): a log line
// (ECI shortened), spime_mqtt_messages_total{outcome} (through
// EngineApi::mqtt_handled), a reply, and acknowledged (the broker must not
// send it again: it would be refused again; so is kRateLimited, the channel's
// rate limit: offering it again would hold every other device's messages
// behind the one that floods). Refused for load (kUnavailable:
// a pico's queue is full) or for a full disk (kStorageFull, while the engine
// reopens its store): a QoS 1 message is offered again after a backoff
// (kRetryMin doubling to kRetryMax), and meanwhile nothing more is read: the
// broker holds the rest (its inflight window, then its queue); a QoS 0
// message is dropped (best effort), counted.
//
// Replies: a message with an MQTT 5 Response Topic gets, once its event
// committed or was refused, one QoS 0 message on that topic with the
// Correlation Data echoed: the HTTP event-wait answer or error body
// (mqtt_event.h). Such a message runs through event_wait even at QoS 0.
//
// At most once (message_ids.h): each QoS 1 event carries a delivery id, so a
// message that committed but whose PUBACK was lost (crash, dropped
// connection) and that the broker sends again is answered, not run again.
//
// Reconnect: when the connection drops, the bridge lets the messages it
// handed on finish (their PUBACKs are lost with the connection: the broker
// sends them again and the delivery ids catch them), then reconnects with a
// backoff (kReconnectMin doubling to kReconnectMax) and resumes the session.
// A broker that is down when spime starts is waited for the same way.
//
// Downlink: publish() takes a message for the broker from any thread (the
// engine's committer: mqtt:publish after its commit) into a queue of at most
// kMaxDownlink (beyond that, dropped with a log line); the bridge's thread
// publishes them with QoS 1, in order, between two batches, once connected.
//
// Stop: stop() lets the messages handed on finish (at most kStopGrace),
// writes their PUBACKs, disconnects and joins the thread. Messages not acked
// by then are sent again by the broker at the next start. (A TCP connect in
// progress to an unreachable host is not cut short: it may hold stop() up to
// the system's connect timeout.)
//
// Thread-safety: start() and stop() from one controlling thread. The
// EngineApi must outlive the bridge; its callbacks may fire after stop().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/api/engine_api.h"

namespace spime::mqtt {

struct MqttBridgeOptions {
  std::string url;        // mqtt://HOST:PORT or mqtts://HOST:PORT (mqtt_url.h)
  std::string cafile;     // mqtts: the CA certificates (PEM); empty: the system's
  std::string client_id;  // the session's name at the broker: keep it stable
  // The data directory: where an older spime kept the sequence checkpoints
  // of message_ids.h as files <dir>/<sender id>.seq, moved into the
  // engine's store at start (EngineApi::mqtt_sequence) and deleted.
  std::string state_dir;
  int keepalive_seconds = 30;
  int receive_maximum = 1;  // 1..kMaxReceiveMaximum: see above
  // Sessions on one shared subscription (see above); sessions *
  // receive_maximum <= kMaxReceiveMaximum.
  int sessions = 8;
};

class MqttBridge {
 public:
  static constexpr int kMaxReceiveMaximum = 32;  // in flight, all sessions together
  static constexpr int kMaxSessions = 32;
  static constexpr std::size_t kMaxBatch = 64;  // messages read before waiting
  static constexpr std::chrono::milliseconds kRetryMin{5}, kRetryMax{500};
  static constexpr std::chrono::milliseconds kReconnectMin{100}, kReconnectMax{5000};
  static constexpr std::chrono::milliseconds kStopGrace{2000};
  static constexpr std::size_t kMaxDownlink = 10000;

  MqttBridge(api::EngineApi& engine, MqttBridgeOptions options);
  ~MqttBridge();  // stop()
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Checks the options, opens the checkpoint (through the engine: call it
  // once the engine is open) and starts the bridge's thread,
  // which connects (and keeps trying while the broker is unreachable).
  // False with *error when the options are wrong or libmosquitto refuses
  // them; nothing runs then.
  bool start(std::string* error);

  // Idempotent; returns within kStopGrace and a little.
  void stop();

  // Queues a message for the broker (see Downlink above). Any thread;
  // returns at once.
  void publish(const std::string& topic, const std::string& payload, bool retain);

 private:
  struct Impl;
  std::vector<std::unique_ptr<Impl>> impls_;  // one per session; [0] publishes
};

}  // namespace spime::mqtt
