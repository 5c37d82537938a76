#include "channels/mqtt/message_ids.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <utility>

namespace spime::mqtt {
namespace {

// Far from 0 so a step back (a redelivery) never goes below zero.
constexpr std::uint64_t kStart = std::uint64_t{1} << 32;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// ---- EngineSequenceCheckpoint ------------------------------------------------------

namespace {

// Calls `call` with a Done and waits at most `limit` for its answer.
template <class Call>
api::Result<std::uint64_t> ask(Call call, std::chrono::milliseconds limit) {
  auto answer = std::make_shared<std::promise<api::Result<std::uint64_t>>>();
  std::future<api::Result<std::uint64_t>> got = answer->get_future();
  call([answer](api::Result<std::uint64_t> r) {
    try {
      answer->set_value(std::move(r));
    } catch (const std::future_error&) {
      // answered twice: the first one counts
    }
  });
  try {
    if (got.wait_for(limit) != std::future_status::ready) {
      return api::Status::unavailable("the engine did not answer within " +
                                      std::to_string(limit.count()) + " ms");
    }
    return got.get();
  } catch (const std::future_error&) {
    return api::Status::internal("the engine dropped the request");
  }
}

}  // namespace

bool EngineSequenceCheckpoint::load(const std::string& sender, std::uint64_t* value,
                                    std::string* error) {
  api::Result<std::uint64_t> r =
      ask([&](api::Done<std::uint64_t> done) { engine_.mqtt_sequence(sender, std::move(done)); },
          limit_);
  if (r.ok()) {
    *value = r.value();
    return true;
  }
  error->clear();
  if (r.status().code() != api::Status::Code::kNotFound) {
    *error = "cannot read the MQTT sequence of " + sender + ": " + r.status().message();
  }
  return false;
}

bool EngineSequenceCheckpoint::save(const std::string& sender, std::uint64_t value,
                                    std::string* error) {
  api::Result<std::uint64_t> r = ask(
      [&](api::Done<std::uint64_t> done) {
        engine_.save_mqtt_sequence(sender, value, std::move(done));
      },
      limit_);
  if (r.ok()) return true;
  *error = "cannot save the MQTT sequence of " + sender + ": " + r.status().message();
  return false;
}

// ---- MessageIds ---------------------------------------------------------------------

MessageIds::MessageIds(SequenceCheckpoint& checkpoint, std::string_view session_name,
                       std::string legacy_dir)
    : checkpoint_(checkpoint),
      sender_(sender_for(session_name)),
      legacy_dir_(std::move(legacy_dir)),
      last_(kStart),
      saved_(kStart) {}

std::string MessageIds::sender_for(std::string_view session_name) {
  return "mqtt-" + hex16(mix(fnv1a64(session_name)));
}

bool MessageIds::open(std::string* error) {
  std::uint64_t v = 0;
  if (checkpoint_.load(sender_, &v, error)) {
    if (v < kStart) {
      *error = "the MQTT sequence of " + sender_ + " is out of range";
      return false;
    }
    last_ = saved_ = v;
    return true;
  }
  if (!error->empty()) return false;
  if (!legacy_dir_.empty()) {
    const std::string path = legacy_dir_ + "/" + sender_ + ".seq";
    if (::access(path.c_str(), F_OK) == 0) return upgrade_legacy(path, error);
  }
  return save(last_, error);
}

bool MessageIds::upgrade_legacy(const std::string& path, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  unsigned long long v = 0;
  char extra = 0;
  const int n = std::fscanf(f, "%llu %c", &v, &extra);
  std::fclose(f);
  if (n != 1 || v < kStart) {
    *error = path + " does not hold a message sequence number";
    return false;
  }
  last_ = v;
  if (!save(last_, error)) return false;
  // Saved in the store: the file has done its job. A crash before the unlinks
  // is harmless: the store's value wins at the next start.
  ::unlink(path.c_str());
  ::unlink((path + ".tmp").c_str());
  const std::string dir = legacy_dir_;
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

bool MessageIds::new_session(std::string* error) {
  last_ += kCycle;
  return save(last_, error);
}

std::uint64_t MessageIds::id_of(int mid, std::string_view topic, std::string_view payload,
                                std::string* error) {
  // The residue of `mid` and of the last value, both in 0..kCycle-1.
  const std::uint64_t r = static_cast<std::uint64_t>(mid > 0 ? mid - 1 : 0) % kCycle;
  const std::uint64_t last_r = last_ % kCycle;
  const std::uint64_t ahead = (r + kCycle - last_r) % kCycle;  // 0..kCycle-1
  const std::uint64_t seq = ahead <= kCycle / 2 ? last_ + ahead : last_ - (kCycle - ahead);
  if (seq > last_) {
    last_ = seq;
    if (last_ - saved_ >= kCheckpointEvery) save(last_, error);
  }
  char seq_bytes[8];
  for (int i = 0; i < 8; ++i) seq_bytes[i] = static_cast<char>(seq >> (8 * i));
  std::uint64_t h = fnv1a64(std::string_view(seq_bytes, 8));
  h = fnv1a64(topic, h);
  h = fnv1a64(std::string_view("\0", 1), h);
  h = fnv1a64(payload, h);
  h = mix(h);
  return h == 0 ? 1 : h;
}

bool MessageIds::save(std::uint64_t value, std::string* error) {
  if (!checkpoint_.save(sender_, value, error)) return false;
  saved_ = value;
  return true;
}

}  // namespace spime::mqtt
