// OutgoingEvent: an event a schedule sends to another pico (event:send,
// ctx:event), held by its transaction (pico/transaction.h) until the batch
// is durable, then delivered by the post-commit observers
// (pico/post_commit.h): queued at a local pico, or posted through the
// outbox (outbound/outbox.h) to another engine. Or, with `mqtt_topic` set
// (mqtt:publish), no event at all but a message for the MQTT broker, handed
// to the MQTT bridge after the commit (Engine::set_mqtt_publisher) and to
// nothing else. A plain value.
#pragma once

#include <cstdint>
#include <string>

#include "engine/krl/value.h"

namespace spime::runtime {

// event:send / ctx:event to another pico, delivered once the transaction is
// durable. To a pico of this engine (no host): a record written in this
// transaction's batch (records/local_delivery_records.h), and queued at the
// target's inbox after the commit. To another engine (a host): a record in the outbox
// (outbound/outbox.h), written in this transaction's batch when it is
// submitted, and posted after the commit until that engine accepts it.
struct OutgoingEvent {
  std::string eci;
  std::string domain;
  std::string name;
  krl::Value attrs;
  std::string host;  // non-empty: an external engine (sky API); not delivered offline
  // The sending pico: a family channel admits its owner only (admission/admission.h).
  std::string from_pico_id{};
  // Set by the outbox when it wrote the event's record (0: none was written).
  std::uint64_t outbox_seq = 0;
  std::int64_t outbox_created_ms = 0;
  // Set by PicoActors::submit when it wrote the event's local delivery record
  // (records/local_delivery_records.h; 0: none was written).
  std::uint64_t local_seq = 0;
  // mqtt:publish: the topic (non-empty: an MQTT message; eci, domain and
  // name are empty, attrs holds the payload as a String), and whether the
  // broker keeps it as the topic's retained message.
  std::string mqtt_topic{};
  bool mqtt_retain = false;
};

}  // namespace spime::runtime
