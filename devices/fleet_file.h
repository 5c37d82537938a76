// The fleet file (--fleet-file): the ECIs the set-up learned of the fleet's
// devices, so that a later run under the same owner finds them without
// asking the engine about each one. At a million devices, asking each for
// its channels takes a quarter of an hour, and listing the owner's children
// to find them by name minutes more; reading the file takes a second.
//
// Text, a line each:
//   spime-fleet 1
//   owner <the owner's ECI>
//   prototype <the devices' prototype>
//   channels <name>...            (the prototype's channels: the columns below)
//   <family ECI> <channel ECI>... (sim-device-0001, then -0002, ...; "-": unknown)
// Written whole to FILE.tmp and renamed over FILE, so a reader sees the old
// file or the new one, never half of one.
//
// Trusted: the set-up checks a sample of the devices read from it, not each
// (fleet_setup.h). A file of another owner or prototype is refused, not
// mixed.
//
// Thread-safety: none needed; the files are the caller's.
#pragma once

#include <string>

#include "devices/device_table.h"

namespace spime::devices {

struct FleetFileRead {
  bool exists = false;  // false: there is no file (not an error)
  long devices = 0;     // device lines in the file
  int read = 0;         // of them, rows [0, read) of the table filled
};

// Reads `path` into rows [0, min(its devices, table->size())) of *table,
// whose channel names must be the file's (in any order). False + a
// one-line *error when it cannot be read, is not a fleet file, or is the
// fleet of another owner or prototype; true with out->exists false when
// there is no file.
bool read_fleet_file(const std::string& path, const std::string& owner,
                     const std::string& prototype, DeviceTable* table, FleetFileRead* out,
                     std::string* error);

// The owner ECI a fleet file names; "" when there is no such file or it is
// not a fleet file.
std::string fleet_file_owner(const std::string& path);

// Writes the devices [0, rows) of `table` (rows < 0: all of them); false +
// *error when it cannot.
bool write_fleet_file(const std::string& path, const std::string& owner,
                      const std::string& prototype, const DeviceTable& table, std::string* error,
                      int rows = -1);

}  // namespace spime::devices
