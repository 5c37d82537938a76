// Delivery records: the one owner of how a pico remembers the events that
// other engines' outboxes delivered to it (key family d/ in
// engine/store/keys.h), so that an event sent again is answered without
// running again: delivery between engines is effectively once.
//
// Why an event comes twice: a sending outbox (outbound/outbox.h) deletes an
// event's record only after the receiver's 2xx. If the sender dies between
// the 2xx and the durable delete, or the 2xx is lost on the way (a timeout),
// it posts the same event again. It then names itself and the event in two
// headers (X-Spime-Sender: its m/engine_id; X-Spime-Event-Id: the event's
// outbox sequence number, unique for that engine forever and the same on
// every try). The receiving pico, on its own FIFO (so two copies racing
// cannot both run), looks the id up here: a repeat is answered 2xx without
// running; a first time runs, and the id is written in the SAME WriteBatch
// as the event's schedule (both commit or neither does).
//
//   key    d/<pico><sep><eci><sep><sender>   (keys::delivered)
//   value  the ids, oldest first, as decimal numbers separated by ','
//          ("17,18,23"): at most kKeep of them
//
// The bound, and why it covers the sender's whole retry horizon (however
// long the sender stays down): one sending outbox posts the events of one
// destination (host + eci) one at a time, in order, and posts one again
// only while it is the first waiting one of its destination. So when a copy
// of event E comes back, the only events of that (sender, eci) accepted
// since E's first copy are those posted after E's 2xx and before E's delete
// was durable: the few that fit in one group commit of the sender (its
// deletes are durable in submission order). Keeping the last kKeep ids per
// (pico, eci, sender) therefore catches every repeat, whatever the time
// between the two copies, with a fixed cost per channel and sending engine:
// no time horizon, no pruning pass, one record rewritten per delivered
// event. Where the argument does not hold (two hosts naming the same
// engine for one eci: two destinations for the sender, one stream here),
// an id pushed out by more than kKeep others is run again: at least once,
// never lost (a repeat is recognised only by an exact id of that sender).
// Records are erased with their pico; those of a deleted channel stay with
// the pico (one small record per channel and sending engine).
//
// Thread-safety: free functions on values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spime::runtime {

// What an event delivered by another engine's outbox says about itself.
struct DeliveryId {
  std::string sender;    // the sending engine's id (is_valid_id)
  std::uint64_t id = 0;  // the event's id at that engine (> 0)
  bool empty() const { return sender.empty(); }
};

// The ids accepted on one (pico, eci, sender), oldest first.
struct DeliveryLog {
  static constexpr std::size_t kKeep = 64;
  std::vector<std::uint64_t> ids;

  bool contains(std::uint64_t id) const;
  // Adds `id` as the newest (no-op when present) and forgets the oldest
  // beyond kKeep.
  void remember(std::uint64_t id);
};

namespace delivery_records {

// The headers an outbox sends and a receiver reads (channels/routes.cpp).
inline constexpr const char* kSenderHeader = "X-Spime-Sender";
inline constexpr const char* kEventIdHeader = "X-Spime-Event-Id";

// Checks and reads the two header values: both absent (empty) is no
// DeliveryId (ok, *out empty); a sender that is no id (runtime/records/ids.h), an
// event id that is not a decimal number in 1..2^64-1, or only one of the
// two: false with *error saying which.
bool parse(std::string_view sender, std::string_view event_id, DeliveryId* out, std::string* error);

std::string encode_record(const DeliveryLog& log);
// False (log unspecified) when `value` is not what encode_record writes.
bool decode_record(std::string_view value, DeliveryLog* log);

}  // namespace delivery_records
}  // namespace spime::runtime
