// DeviceTable: the ECIs of the fleet's device picos, compact enough for a
// million of them. Device i (sim-device-<i+1>) has its family ECI (its
// parent's channel to it) and one ECI per channel of its prototype, in the
// order the table was given the channel names; and whether this run made
// it. A device is one string ("<family> <channel 1> <channel 2>...", empty
// fields for unknown ECIs): about 120 bytes a device with two channels
// (120 MB for a million), where a struct of strings and a map took 600.
//
// Only ECIs that fit in a path segment (engine_calls.h: path_segment_ok, so
// no spaces) are kept; anything else is stored as unknown ("").
//
// Thread-safety: reset() alone. Then set() and mark_created() of different
// devices may run on several threads at once, and a device is read by the
// thread that writes it; everyone reads once the writers are done.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spime::devices {

class DeviceTable {
 public:
  // `count` devices with nothing known, the channels named `channel_names`.
  void reset(int count, std::vector<std::string> channel_names);

  int size() const { return static_cast<int>(rows_.size()); }
  const std::vector<std::string>& channel_names() const { return channel_names_; }
  // The column of a channel name; -1 when the prototype has none by that name.
  int column(std::string_view channel_name) const;

  // "" when unknown. The views last until the device is set again or reset().
  std::string_view family_eci(int device) const { return field(device, 0); }
  std::string_view channel(int device, int column) const;
  std::string_view channel(int device, std::string_view channel_name) const;

  // All of a device's ECIs: the family ECI, and one per column ("": unknown;
  // missing ones at the end are unknown).
  void set(int device, std::string_view family_eci, const std::vector<std::string_view>& channels);
  // The family ECI alone; the channels stay.
  void set_family(int device, std::string_view family_eci);

  bool created(int device) const { return created_[device] != 0; }
  void mark_created(int device) { created_[device] = 1; }

 private:
  std::string_view field(int device, int f) const;

  std::vector<std::string> channel_names_;
  std::vector<std::string> rows_;
  std::vector<char> created_;  // not vector<bool>: threads mark different devices at once
};

}  // namespace spime::devices
