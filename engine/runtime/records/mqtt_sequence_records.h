// MQTT sequence records: the one owner of how the engine keeps the MQTT
// bridge's message sequence checkpoints (channels/mqtt/message_ids.h), one
// per bridge session, so that a restart places redelivered packet ids right
// and an online backup (runtime/backup/backup.h) carries them with the picos.
//
//   key    m/mqtt_sequence/<sender>     (keys::mqtt_sequence)
//   value  the sequence, decimal
//
// read_mqtt_sequence answers at once (a point read on the caller's thread,
// as admission reads): the value, kNotFound when none was saved, kInternal
// when what is stored is not a number. save_mqtt_sequence submits one batch
// to the committer and answers on the committer thread once it is durable
// (the value), or kUnavailable when the committer refuses it (queue full,
// closing) or kInternal when the write failed. Each `done` is called
// exactly once. Any thread.
#pragma once

#include <cstdint>
#include <string>

#include "engine/api/engine_api.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

void read_mqtt_sequence(store::Store& store, const std::string& sender,
                        api::Done<std::uint64_t> done);
void save_mqtt_sequence(store::Store& store, const std::string& sender, std::uint64_t value,
                        api::Done<std::uint64_t> done);

}  // namespace spime::runtime
