#include "devices/fleet_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "devices/engine_calls.h"

namespace spime::devices {

namespace {

constexpr const char* kMagic = "spime-fleet 1";
constexpr const char* kUnknown = "-";

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  while (true) {
    const auto space = line.find(' ');
    out.push_back(line.substr(0, space));
    if (space == std::string_view::npos) return out;
    line.remove_prefix(space + 1);
  }
}

// "owner X" -> X; false when the line is not `key` and one value.
bool keyed(const std::string& line, const char* key, std::string* value) {
  const std::size_t n = std::strlen(key);
  if (line.size() <= n + 1 || line.compare(0, n, key) != 0 || line[n] != ' ') return false;
  *value = line.substr(n + 1);
  return true;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

}  // namespace

bool read_fleet_file(const std::string& path, const std::string& owner,
                     const std::string& prototype, DeviceTable* table, FleetFileRead* out,
                     std::string* error) {
  *out = FleetFileRead();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return true;
  std::ifstream in(path);
  if (!in) {
    *error = "--fleet-file " + path + ": cannot be read";
    return false;
  }
  out->exists = true;
  auto bad = [&](long line, const std::string& why) {
    *error = "--fleet-file " + path + " line " + std::to_string(line) + ": " + why +
             " (remove the file to find the fleet again)";
    return false;
  };
  std::string line, file_owner, file_prototype, channels;
  if (!std::getline(in, line) || line != kMagic) return bad(1, "not a fleet file");
  if (!std::getline(in, line) || !keyed(line, "owner", &file_owner)) return bad(2, "no owner");
  if (!std::getline(in, line) || !keyed(line, "prototype", &file_prototype))
    return bad(3, "no prototype");
  if (!std::getline(in, line) || !keyed(line, "channels", &channels)) return bad(4, "no channels");
  if (file_owner != owner || file_prototype != prototype) {
    *error = "--fleet-file " + path + " is the fleet of the owner " + file_owner + " made from " +
             file_prototype + ", not of " + owner + " from " + prototype +
             ": give another file, or remove it to find the fleet again";
    return false;
  }
  // The file's columns in the table's order.
  const std::vector<std::string_view> names = split(channels);
  std::vector<int> from(table->channel_names().size(), -1);
  for (std::size_t f = 0; f < names.size(); ++f) {
    const int c = table->column(names[f]);
    if (c >= 0) from[static_cast<std::size_t>(c)] = static_cast<int>(f);
  }
  for (int f : from) {
    if (f < 0 || names.size() != from.size())
      return bad(4, "its channels (" + channels + ") are not the prototype's (" +
                        joined(table->channel_names()) + ")");
  }
  std::vector<std::string_view> cells(from.size());
  for (long n = 5; std::getline(in, line); ++n) {
    const int device = static_cast<int>(out->devices);
    ++out->devices;
    if (device >= table->size()) continue;  // counted, not kept
    const std::vector<std::string_view> fields = split(line);
    if (fields.size() != names.size() + 1)
      return bad(n, "expected " + std::to_string(names.size() + 1) + " ECIs");
    for (const auto& f : fields) {
      if (f != kUnknown && !path_segment_ok(std::string(f))) return bad(n, "not an ECI");
    }
    if (fields[0] == kUnknown) return bad(n, "no family ECI");
    for (std::size_t c = 0; c < from.size(); ++c) {
      const std::string_view eci = fields[static_cast<std::size_t>(from[c]) + 1];
      cells[c] = eci == kUnknown ? std::string_view() : eci;
    }
    table->set(device, fields[0], cells);
    out->read = device + 1;
  }
  if (in.bad()) {
    *error = "--fleet-file " + path + ": a read failed";
    return false;
  }
  return true;
}

std::string fleet_file_owner(const std::string& path) {
  std::ifstream in(path);
  std::string line, owner;
  if (!in || !std::getline(in, line) || line != kMagic || !std::getline(in, line) ||
      !keyed(line, "owner", &owner) || !path_segment_ok(owner))
    return "";
  return owner;
}

bool write_fleet_file(const std::string& path, const std::string& owner,
                      const std::string& prototype, const DeviceTable& table, std::string* error,
                      int rows) {
  if (rows < 0 || rows > table.size()) rows = table.size();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kMagic << "\nowner " << owner << "\nprototype " << prototype << "\nchannels "
        << joined(table.channel_names()) << '\n';
    const int columns = static_cast<int>(table.channel_names().size());
    for (int d = 0; d < rows && out; ++d) {
      const std::string_view family = table.family_eci(d);
      out << (family.empty() ? kUnknown : family);
      for (int c = 0; c < columns; ++c) {
        const std::string_view eci = table.channel(d, c);
        out << ' ' << (eci.empty() ? kUnknown : eci);
      }
      out << '\n';
    }
    out.close();
    if (!out) {
      *error = "--fleet-file: cannot write " + tmp;
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "--fleet-file: cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace spime::devices
