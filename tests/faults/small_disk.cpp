// SmallDisk. See small_disk.h.
#include "tests/faults/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace spime::faults {

SmallDisk::SmallDisk(std::string dir, std::size_t mib) : dir_(std::move(dir)) {
  const std::string options = "size=" + std::to_string(mib) + "m,mode=0755";
  if (::mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    throw std::runtime_error("SmallDisk: cannot mount a tmpfs over " + dir_ + ": " +
                             std::strerror(errno) +
                             " (the disk-full tests need root: CAP_SYS_ADMIN)");
  }
  ballast_ = dir_ + "/ballast";
}

SmallDisk::~SmallDisk() {
  ::umount2(dir_.c_str(), MNT_DETACH);
}

std::size_t SmallDisk::free_bytes() const {
  struct statvfs st {};
  if (::statvfs(dir_.c_str(), &st) != 0) return 0;
  return static_cast<std::size_t>(st.f_bavail) * st.f_frsize;
}

void SmallDisk::fill_leaving(std::size_t leave) {
  const std::size_t free = free_bytes();
  if (free <= leave) return;
  int fd = ::open(ballast_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("SmallDisk: cannot open " + ballast_);
  std::vector<char> chunk(64 * 1024, 'b');
  std::size_t left = free - leave;
  while (left > 0) {  // bounded: `left` shrinks by each write
    const std::size_t n = left < chunk.size() ? left : chunk.size();
    ssize_t w = ::write(fd, chunk.data(), n);
    if (w <= 0) break;  // full already: that is what we wanted
    left -= static_cast<std::size_t>(w);
  }
  ::close(fd);
}

void SmallDisk::drop_ballast() {
  ::unlink(ballast_.c_str());
}

}  // namespace spime::faults
