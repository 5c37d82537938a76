#include "engine/runtime/streams/collection_members.h"

#include <algorithm>

#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/records/ids.h"

namespace spime::runtime {

namespace {

constexpr std::string_view kReadingPrefix = "new_";
constexpr std::string_view kReadingSuffix = "_reading";

std::string text(const krl::Map& m, std::string_view key) {
  const krl::Value* v = m.find(key);
  return v && v->is_string() ? v->as_string() : std::string();
}

}  // namespace

bool is_reading(std::string_view domain, std::string_view name) {
  return domain == "esproto" && name.size() > kReadingPrefix.size() + kReadingSuffix.size() &&
         name.substr(0, kReadingPrefix.size()) == kReadingPrefix &&
         name.substr(name.size() - kReadingSuffix.size()) == kReadingSuffix;
}

std::vector<std::string> local_member_picos(ChannelIndex& channels, const store::Store& store,
                                            const krl::Value& members) {
  std::vector<const krl::Value*> records;
  if (members.is_map()) {
    for (const auto& [id, record] : members.as_map()) records.push_back(&record);
  } else if (members.is_array()) {
    for (const krl::Value& record : members.as_array()) records.push_back(&record);
  }
  std::vector<std::string> out;
  for (const krl::Value* record : records) {
    if (!record->is_map()) continue;
    const krl::Map& m = record->as_map();
    const std::string eci = text(m, "eci");
    if (!text(m, "Tx_host").empty() || !is_valid_id(eci)) continue;
    ChannelIndex::Found found = channels.lookup(store, eci);
    if (!found.channel) continue;
    if (std::find(out.begin(), out.end(), found.channel->pico_id) == out.end()) {
      out.push_back(found.channel->pico_id);
    }
  }
  return out;
}

}  // namespace spime::runtime
