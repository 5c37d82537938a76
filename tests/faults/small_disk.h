// SmallDisk: a tmpfs of a few MiB mounted over a directory for the length of
// a test, so that `spime serve --data` on it runs out of space for real
// (ENOSPC from the kernel, as a full disk gives). Also a ballast file to
// fill it up and free it again.
//
// Mounting needs root (CAP_SYS_ADMIN), as the test scripts run (apt-get as
// root); without it the constructor throws std::runtime_error saying so: a
// test that needs a full disk fails rather than pretending.
//
// The destructor detaches the mount (MNT_DETACH): the directory is usable
// again at once, the tmpfs goes when nothing holds it open. Stop the server
// first if you want its files gone with it.
//
// Thread-safety: one thread.
#pragma once

#include <cstddef>
#include <string>

namespace spime::faults {

class SmallDisk {
 public:
  SmallDisk(std::string dir, std::size_t mib);  // mounts over `dir` (which must exist)
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& dir() const { return dir_; }
  // Bytes still free on it (statvfs).
  std::size_t free_bytes() const;
  // Writes a ballast file so that about `leave` bytes stay free; frees it
  // with drop_ballast(). Throws when it cannot write it.
  void fill_leaving(std::size_t leave);
  void drop_ballast();

 private:
  std::string dir_;
  std::string ballast_;
};

}  // namespace spime::faults
