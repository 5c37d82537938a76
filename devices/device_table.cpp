#include "devices/device_table.h"

#include "devices/engine_calls.h"

namespace spime::devices {

namespace {

// An ECI that could not go into a path (or split a row) is left unknown.
void append_field(std::string* row, std::string_view eci) {
  if (!eci.empty() && path_segment_ok(std::string(eci))) row->append(eci);
}

}  // namespace

void DeviceTable::reset(int count, std::vector<std::string> channel_names) {
  channel_names_ = std::move(channel_names);
  rows_.assign(static_cast<std::size_t>(count), std::string());
  rows_.shrink_to_fit();
  created_.assign(static_cast<std::size_t>(count), 0);
  created_.shrink_to_fit();
}

int DeviceTable::column(std::string_view channel_name) const {
  for (std::size_t c = 0; c < channel_names_.size(); ++c) {
    if (channel_names_[c] == channel_name) return static_cast<int>(c);
  }
  return -1;
}

std::string_view DeviceTable::field(int device, int f) const {
  std::string_view row = rows_[static_cast<std::size_t>(device)];
  for (int i = 0; i < f; ++i) {
    const auto space = row.find(' ');
    if (space == std::string_view::npos) return {};
    row.remove_prefix(space + 1);
  }
  return row.substr(0, row.find(' '));
}

std::string_view DeviceTable::channel(int device, int column) const {
  if (column < 0 || column >= static_cast<int>(channel_names_.size())) return {};
  return field(device, column + 1);
}

std::string_view DeviceTable::channel(int device, std::string_view channel_name) const {
  return channel(device, column(channel_name));
}

void DeviceTable::set(int device, std::string_view family_eci,
                      const std::vector<std::string_view>& channels) {
  std::string row;
  std::size_t size = family_eci.size();
  for (const auto& c : channels) size += c.size() + 1;
  row.reserve(size + channel_names_.size());
  append_field(&row, family_eci);
  for (std::size_t c = 0; c < channel_names_.size(); ++c) {
    row += ' ';
    if (c < channels.size()) append_field(&row, channels[c]);
  }
  rows_[static_cast<std::size_t>(device)] = std::move(row);
}

void DeviceTable::set_family(int device, std::string_view family_eci) {
  std::vector<std::string_view> channels;
  std::vector<std::string> kept;  // the views above must not point into the row being replaced
  kept.reserve(channel_names_.size());
  for (std::size_t c = 0; c < channel_names_.size(); ++c)
    kept.emplace_back(channel(device, static_cast<int>(c)));
  for (const auto& k : kept) channels.emplace_back(k);
  set(device, std::string(family_eci), channels);
}

}  // namespace spime::devices
