#include "engine/runtime/records/delivery_records.h"

#include <algorithm>
#include <charconv>

#include "engine/runtime/records/ids.h"

namespace spime::runtime {

namespace {

// A decimal number in 1..2^64-1, digits only.
bool parse_id(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0) return false;
  *out = v;
  return true;
}

}  // namespace

bool DeliveryLog::contains(std::uint64_t id) const {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void DeliveryLog::remember(std::uint64_t id) {
  if (contains(id)) return;
  ids.push_back(id);
  if (ids.size() > kKeep) ids.erase(ids.begin(), ids.end() - kKeep);
}

namespace delivery_records {

bool parse(std::string_view sender, std::string_view event_id, DeliveryId* out,
           std::string* error) {
  *out = DeliveryId{};
  if (sender.empty() && event_id.empty()) return true;
  if (sender.empty() || event_id.empty()) {
    *error = std::string(kSenderHeader) + " and " + kEventIdHeader + " go together";
    return false;
  }
  if (!is_valid_id(sender)) {
    *error = std::string(kSenderHeader) + " is not an engine id";
    return false;
  }
  std::uint64_t id = 0;
  if (!parse_id(event_id, &id)) {
    *error = std::string(kEventIdHeader) + " is not a positive decimal number";
    return false;
  }
  out->sender = std::string(sender);
  out->id = id;
  return true;
}

std::string encode_record(const DeliveryLog& log) {
  std::string out;
  for (std::uint64_t id : log.ids) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(id);
  }
  return out;
}

bool decode_record(std::string_view value, DeliveryLog* log) {
  log->ids.clear();
  if (value.empty()) return true;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::uint64_t id = 0;
    if (!parse_id(value.substr(start, comma - start), &id)) return false;
    log->ids.push_back(id);
    start = comma + 1;
  }
  return log->ids.size() <= DeliveryLog::kKeep;
}

}  // namespace delivery_records
}  // namespace spime::runtime
