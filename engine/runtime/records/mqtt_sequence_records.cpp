#include "engine/runtime/records/mqtt_sequence_records.h"

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "engine/store/write_batch.h"

namespace spime::runtime {

void read_mqtt_sequence(store::Store& store, const std::string& sender,
                        api::Done<std::uint64_t> done) {
  std::string text;
  if (!store.get(store::keys::mqtt_sequence(sender), &text)) {
    return done(api::Status::not_found("no MQTT sequence saved for " + sender));
  }
  std::uint64_t value = 0;
  bool digits = !text.empty() && text.size() <= 20;
  for (char c : text) {
    if (c < '0' || c > '9') digits = false;
  }
  if (digits) {
    try {
      value = std::stoull(text);
    } catch (const std::exception&) {
      digits = false;
    }
  }
  if (!digits) {
    return done(api::Status::internal("the MQTT sequence of " + sender + " is not a number"));
  }
  done(value);
}

void save_mqtt_sequence(store::Store& store, const std::string& sender, std::uint64_t value,
                        api::Done<std::uint64_t> done) {
  store::WriteBatch batch;
  batch.put(store::keys::mqtt_sequence(sender), std::to_string(value));
  auto shared = std::make_shared<api::Done<std::uint64_t>>(std::move(done));
  const std::uint64_t seq = store.committer().try_submit(
      std::move(batch), [shared, value](bool ok, const std::string& error) {
        if (ok) return (*shared)(value);
        (*shared)(api::Status::internal("cannot save the MQTT sequence: " + error));
      });
  if (seq == 0) (*shared)(api::Status::unavailable("the store takes no more writes now"));
}

}  // namespace spime::runtime
