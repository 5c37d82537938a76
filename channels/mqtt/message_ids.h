// MessageIds: the delivery id (runtime/records/delivery_records.h) the bridge
// gives each QoS 1 message, so that a message the broker sends again after a
// crash runs at most once.
//
// Why a message comes twice: the bridge sends a QoS 1 message's PUBACK only
// after the event's schedule committed (mqtt_bridge.h). If spime dies (or
// the connection drops) between the commit and the broker's receipt of the
// PUBACK, the broker sends the message again on the next connection of the
// same session, with the SAME packet id (MQTT 5, 4.4) and the same topic and
// payload. The event carries sender = the bridge's id (sender()) and
// id = this class's id_of(...); the pico runs an id it has seen on that
// channel from that sender at most once (the id is written in the event's
// own batch).
//
// What the id is made of. The packet id alone (16 bits) is not enough: the
// broker reuses it after 65,535 QoS 1 messages to this client, and a channel
// that takes few of them would still hold an old one among its last 64 ids
// (DeliveryLog::kKeep): a heartbeat with a constant payload would then be
// taken for a repeat and dropped. So the bridge extends the packet id into a
// 64-bit sequence: Mosquitto numbers the messages of one client session one
// after the other (src/subs.c, mosquitto__mid_generate: +1, 65535 wraps to 1,
// assigned when the message is queued for the client, in delivery order, and
// kept across broker restarts by its persistence), so each packet id is
// placed at the sequence value nearest the last one seen (a redelivery lies
// at most the receive maximum behind it, a new one just after it). A small
// checkpoint (saved durably every kCheckpointEvery messages, before the
// message that crosses the mark is handed on) lets a restarted bridge place
// redelivered ids right: they lie within
// kCheckpointEvery + receive maximum of the checkpoint, far inside half a
// cycle. A CONNACK without a session (new session: nothing can be
// redelivered) moves the sequence a whole cycle on, so no later id can equal
// an earlier one. The id is then a 64-bit hash of (sequence, topic,
// payload): two different messages share an id only if they have the same
// sequence value AND the same topic and payload, or by a hash collision
// (2^-64).
//
// Why DeliveryLog's 64 ids suffice: the bridge asks the broker for at most
// R <= 32 unacknowledged messages (MQTT 5 Receive Maximum) and acknowledges
// in order, so when a copy of E comes back, at most R - 1 other new ids
// reached any channel since E's first copy, PUBACKs lost in a reset
// connection included (the broker sends no more than R before it has read
// their acknowledgements). This needs a broker that keeps to R: Mosquitto
// 2.0.11 and 2.0.12 do so only for R = 1, the bridge's default
// (mqtt_bridge.h); with a larger R there, a crash under a backlog can make
// it send hundreds of committed messages again, and those beyond the last
// 64 of their channel run a second time.
//
// What it cannot tell apart: (1) a broker that lost state without saying so
// (killed with persistence older than its last acknowledgements: it
// restarts its numbering from its last save and redelivers messages we
// acknowledged after that save; those still match, since they keep their
// numbers, but new messages may reuse a sequence value: only an identical
// topic and payload as well makes a false repeat); (2) a checkpoint lost
// while the picos are kept (a data directory restored from a backup older
// than the broker's session is such a case) (the sequence starts again from the
// broker's numbers alone: same caveat); (3) a publisher's own resend of a
// message after the broker's PUBACK was lost (the broker takes it as a new
// message with a new number: it runs twice, as MQTT's at-least-once says).
//
// Where the checkpoint lives (SequenceCheckpoint): in the engine's store
// (EngineApi::mqtt_sequence, key m/mqtt_sequence/<sender>), so that an
// online backup of the data directory carries it with the picos. Before, it
// was a file <data>/<sender>.seq; open() reads such a file once, saves its
// value in the store, then deletes it (an upgrade).
//
// Thread-safety: one thread (the bridge's) uses an instance.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/api/engine_api.h"

namespace spime::mqtt {

// Keeps one sequence value per sender durably. Called from one thread at a
// time (the bridge's); each call may block that thread, boundedly.
class SequenceCheckpoint {
 public:
  virtual ~SequenceCheckpoint() = default;
  // True with *value when one is saved; false with *error empty when none
  // is; false with *error when it cannot tell.
  virtual bool load(const std::string& sender, std::uint64_t* value, std::string* error) = 0;
  // True once `value` is durable; false with *error.
  virtual bool save(const std::string& sender, std::uint64_t value, std::string* error) = 0;
};

// The engine's store, through EngineApi::mqtt_sequence and
// save_mqtt_sequence; each call waits at most `limit` for the answer.
class EngineSequenceCheckpoint final : public SequenceCheckpoint {
 public:
  explicit EngineSequenceCheckpoint(api::EngineApi& engine,
                                    std::chrono::milliseconds limit = std::chrono::seconds(10))
      : engine_(engine), limit_(limit) {}
  bool load(const std::string& sender, std::uint64_t* value, std::string* error) override;
  bool save(const std::string& sender, std::uint64_t value, std::string* error) override;

 private:
  api::EngineApi& engine_;
  std::chrono::milliseconds limit_;
};

class MessageIds {
 public:
  static constexpr std::uint64_t kCycle = 65535;  // packet ids 1..65535
  static constexpr std::uint64_t kCheckpointEvery = 8192;

  // `checkpoint`: keeps the sequence across restarts (must outlive this);
  // `session_name`: the broker address and client id (the sender id is
  // derived from it, so another broker or client id is another sender);
  // `legacy_dir`: where an older spime kept the checkpoint as a file
  // <legacy_dir>/<sender>.seq ("": none).
  MessageIds(SequenceCheckpoint& checkpoint, std::string_view session_name,
             std::string legacy_dir = "");

  // Reads the checkpoint (none: the legacy file, moved into the checkpoint
  // and deleted; neither: starts afresh and saves). False with *error when
  // it cannot be read, a legacy file does not parse, or the first save
  // fails.
  bool open(std::string* error);

  // The broker answered CONNACK without a session: nothing is redelivered.
  // False with *error when the checkpoint cannot be written.
  bool new_session(std::string* error);

  // The delivery id (> 0) of a QoS 1 message with packet id `mid` (1..65535).
  // When the checkpoint is due and cannot be saved, *error says so (the id
  // is still given: a restart may then misplace a redelivery, see above).
  std::uint64_t id_of(int mid, std::string_view topic, std::string_view payload,
                      std::string* error);

  // The sender id: "mqtt-" and 16 hex digits of a hash of the session name.
  const std::string& sender() const { return sender_; }
  static std::string sender_for(std::string_view session_name);

  std::uint64_t sequence() const { return last_; }  // for tests

 private:
  bool save(std::uint64_t value, std::string* error);
  // The legacy file's value moved into the checkpoint; false + *error.
  bool upgrade_legacy(const std::string& path, std::string* error);

  SequenceCheckpoint& checkpoint_;
  std::string sender_;
  std::string legacy_dir_;
  std::uint64_t last_;   // the highest sequence value placed
  std::uint64_t saved_;  // what the checkpoint holds
};

// 64-bit FNV-1a over `bytes`, continued from `h` (stable across builds).
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 14695981039346656037ull);

}  // namespace spime::mqtt
