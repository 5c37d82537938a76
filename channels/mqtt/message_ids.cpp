#include "channels/mqtt/message_ids.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

MessageIds::MessageIds(std::string checkpoint_path, std::string_view session_name)
    : path_(std::move(checkpoint_path)),
      sender_(sender_for(session_name)),
      last_(kStart),
      saved_(kStart) {}

std::string MessageIds::sender_for(std::string_view session_name) {
  return "mqtt-" + hex16(mix(fnv1a64(session_name)));
}

bool MessageIds::open(std::string* error) {
  FILE* f = std::fopen(path_.c_str(), "r");
  if (!f) {
    if (errno == ENOENT) return save(last_, error);
    *error = "cannot read " + path_ + ": " + std::strerror(errno);
    return false;
  }
  unsigned long long v = 0;
  char extra = 0;
  const int n = std::fscanf(f, "%llu %c", &v, &extra);
  std::fclose(f);
  if (n != 1 || v < kStart) {
    *error = path_ + " does not hold a message sequence number";
    return false;
  }
  last_ = saved_ = v;
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
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, std::to_string(value) + "\n") && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), path_.c_str()) == 0;
  if (ok) {
    // The rename itself must be durable: fsync the directory.
    const std::size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && ::fsync(dfd) == 0;
    if (dfd >= 0) ::close(dfd);
  }
  if (!ok) {
    *error = "cannot write " + path_ + ": " + std::strerror(errno);
    return false;
  }
  saved_ = value;
  return true;
}

}  // namespace spime::mqtt
