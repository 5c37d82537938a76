#include "engine/store/keys.h"

#include <stdexcept>
#include <vector>

namespace spime::store::keys {
namespace {

constexpr std::string_view kSchemaVersion = "m/schema_version";
constexpr std::string_view kRootPico = "m/root_pico";
constexpr std::string_view kCounter = "m/counter/";
constexpr std::string_view kEngineId = "m/engine_id";
constexpr std::string_view kMqttSequence = "m/mqtt_sequence/";
constexpr std::string_view kPico = "p/";
constexpr std::string_view kChannel = "c/";
constexpr std::string_view kPicoChannel = "h/";
constexpr std::string_view kChild = "k/";
constexpr std::string_view kRuleset = "r/";
constexpr std::string_view kRidByUrl = "u/";
constexpr std::string_view kInstallation = "i/";
constexpr std::string_view kEntvar = "e/";
constexpr std::string_view kEntvarEntry = "f/";
constexpr std::string_view kAppvar = "a/";
constexpr std::string_view kRuleState = "w/";
constexpr std::string_view kSchedule = "s/";
constexpr std::string_view kScheduleDue = "t/";
constexpr std::string_view kOutbox = "o/";
constexpr std::string_view kDelivered = "d/";
constexpr std::string_view kLogEntry = "l/";
constexpr std::string_view kLogKey = "x/";
constexpr std::string_view kEpisode = "g/";
constexpr std::string_view kEpisodeState = "n/";
constexpr std::string_view kDeviceTopic = "q/";
constexpr std::string_view kPicoTopic = "j/";
constexpr std::string_view kLocalDelivery = "v/";
constexpr std::string_view kSlotMember = "z/";
constexpr size_t kDueDigits = 20;  // enough for any uint64_t

// kDueDigits zero-padded decimal digits of n: fixed width, so keys sort by number.
void append_padded(std::string* key, uint64_t n) {
  std::string digits = std::to_string(n);
  key->append(kDueDigits - digits.size(), '0');
  *key += digits;
}

// The inverse of append_padded; false for anything append_padded cannot write.
bool parse_padded(std::string_view text, uint64_t* out) {
  if (text.size() != kDueDigits) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;  // overflow: not a key we built
    value = value * 10 + digit;
  }
  if (out) *out = value;
  return true;
}

// Appends one separated field, refusing the separator byte (it would alias other keys).
void append_field(std::string* out, std::string_view field, const char* what) {
  if (field.find(kSep) != std::string_view::npos) {
    throw std::invalid_argument(std::string("store key: ") + what +
                                " must not contain the byte 0x1F");
  }
  out->append(field);
}

std::string build(std::string_view family, std::initializer_list<std::string_view> fields,
                  std::initializer_list<const char*> names, bool trailing_sep) {
  std::string key(family);
  auto name = names.begin();
  bool first = true;
  for (std::string_view field : fields) {
    if (!first) key.push_back(kSep);
    first = false;
    append_field(&key, field, *name++);
  }
  if (trailing_sep) key.push_back(kSep);
  return key;
}

// Splits the part of key after family into exactly n non-empty fields.
bool split(std::string_view key, std::string_view family, size_t n,
           std::initializer_list<std::string*> outs) {
  if (key.substr(0, family.size()) != family) return false;
  key.remove_prefix(family.size());
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = key.find(kSep, start);
    parts.push_back(key.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (parts.size() != n) return false;
  for (std::string_view p : parts) {
    if (p.empty()) return false;
  }
  size_t i = 0;
  for (std::string* out : outs) {
    if (out) out->assign(parts[i]);
    ++i;
  }
  return true;
}

bool parse_single(std::string_view key, std::string_view family, std::string* out) {
  if (key.size() <= family.size() || key.substr(0, family.size()) != family) return false;
  if (out) out->assign(key.substr(family.size()));
  return true;
}

}  // namespace

std::string schema_version() {
  return std::string(kSchemaVersion);
}
std::string root_pico() {
  return std::string(kRootPico);
}
std::string root_owner_eci() {
  return "m/root_owner_eci";
}
std::string root_ui_eci() {
  return "m/root_ui_eci";
}
std::string counter(std::string_view name) {
  return std::string(kCounter) + std::string(name);
}

std::string engine_id() {
  return std::string(kEngineId);
}

std::string mqtt_sequence(std::string_view sender) {
  return std::string(kMqttSequence) + std::string(sender);
}

std::string pico(std::string_view pico_id) {
  return build(kPico, {pico_id}, {"pico id"}, false);
}
std::string pico_prefix() {
  return std::string(kPico);
}
bool parse_pico(std::string_view key, std::string* pico_id) {
  return split(key, kPico, 1, {pico_id});
}

std::string channel(std::string_view eci) {
  return build(kChannel, {eci}, {"eci"}, false);
}
std::string channel_prefix() {
  return std::string(kChannel);
}
bool parse_channel(std::string_view key, std::string* eci) {
  return split(key, kChannel, 1, {eci});
}

std::string pico_channel(std::string_view pico_id, std::string_view eci) {
  return build(kPicoChannel, {pico_id, eci}, {"pico id", "eci"}, false);
}
std::string pico_channel_prefix(std::string_view pico_id) {
  return build(kPicoChannel, {pico_id}, {"pico id"}, true);
}
bool parse_pico_channel(std::string_view key, std::string* pico_id, std::string* eci) {
  return split(key, kPicoChannel, 2, {pico_id, eci});
}

std::string child(std::string_view pico_id, std::string_view child_eci) {
  return build(kChild, {pico_id, child_eci}, {"pico id", "child eci"}, false);
}
std::string child_prefix(std::string_view pico_id) {
  return build(kChild, {pico_id}, {"pico id"}, true);
}
bool parse_child(std::string_view key, std::string* pico_id, std::string* child_eci) {
  return split(key, kChild, 2, {pico_id, child_eci});
}

std::string slot_member(std::string_view slot, std::string_view pico_id) {
  return build(kSlotMember, {slot, pico_id}, {"slot", "pico id"}, false);
}
std::string slot_member_prefix(std::string_view slot) {
  return build(kSlotMember, {slot}, {"slot"}, true);
}
bool parse_slot_member(std::string_view key, std::string* slot, std::string* pico_id) {
  return split(key, kSlotMember, 2, {slot, pico_id});
}

std::vector<std::string> pico_scoped_prefixes(std::string_view pico_id) {
  return {pico_channel_prefix(pico_id), child_prefix(pico_id),        installation_prefix(pico_id),
          entvar_prefix(pico_id),       entvar_entry_prefix(pico_id), rule_state_prefix(pico_id),
          delivered_prefix(pico_id),    log_prefix(pico_id),          log_key_prefix(pico_id),
          episode_prefix(pico_id),      episode_state(pico_id),       pico_topic_prefix(pico_id)};
}

std::string ruleset(std::string_view rid) {
  return build(kRuleset, {rid}, {"rid"}, false);
}
std::string ruleset_prefix() {
  return std::string(kRuleset);
}
bool parse_ruleset(std::string_view key, std::string* rid) {
  return split(key, kRuleset, 1, {rid});
}

std::string rid_by_url(std::string_view url) {
  return std::string(kRidByUrl) + std::string(url);
}
std::string rid_by_url_prefix() {
  return std::string(kRidByUrl);
}
bool parse_rid_by_url(std::string_view key, std::string* url) {
  return parse_single(key, kRidByUrl, url);
}

std::string installation(std::string_view pico_id, std::string_view rid) {
  return build(kInstallation, {pico_id, rid}, {"pico id", "rid"}, false);
}
std::string installation_prefix(std::string_view pico_id) {
  return build(kInstallation, {pico_id}, {"pico id"}, true);
}
bool parse_installation(std::string_view key, std::string* pico_id, std::string* rid) {
  return split(key, kInstallation, 2, {pico_id, rid});
}

std::string entvar(std::string_view pico_id, std::string_view rid, std::string_view name) {
  return build(kEntvar, {pico_id, rid, name}, {"pico id", "rid", "variable name"}, false);
}
std::string entvar_prefix(std::string_view pico_id) {
  return build(kEntvar, {pico_id}, {"pico id"}, true);
}
std::string entvar_prefix(std::string_view pico_id, std::string_view rid) {
  return build(kEntvar, {pico_id, rid}, {"pico id", "rid"}, true);
}
bool parse_entvar(std::string_view key, std::string* pico_id, std::string* rid, std::string* name) {
  return split(key, kEntvar, 3, {pico_id, rid, name});
}

std::string entvar_entry(std::string_view pico_id, std::string_view rid, std::string_view name,
                         std::string_view key) {
  return entvar_entry_prefix(pico_id, rid, name) + std::string(key);
}
std::string entvar_entry_prefix(std::string_view pico_id) {
  return build(kEntvarEntry, {pico_id}, {"pico id"}, true);
}
std::string entvar_entry_prefix(std::string_view pico_id, std::string_view rid) {
  return build(kEntvarEntry, {pico_id, rid}, {"pico id", "rid"}, true);
}
std::string entvar_entry_prefix(std::string_view pico_id, std::string_view rid,
                                std::string_view name) {
  return build(kEntvarEntry, {pico_id, rid, name}, {"pico id", "rid", "variable name"}, true);
}

std::string appvar(std::string_view rid, std::string_view name) {
  return build(kAppvar, {rid, name}, {"rid", "variable name"}, false);
}
std::string appvar_prefix(std::string_view rid) {
  return build(kAppvar, {rid}, {"rid"}, true);
}
bool parse_appvar(std::string_view key, std::string* rid, std::string* name) {
  return split(key, kAppvar, 2, {rid, name});
}

std::string rule_state(std::string_view pico_id, std::string_view rid, std::string_view rule) {
  return build(kRuleState, {pico_id, rid, rule}, {"pico id", "rid", "rule name"}, false);
}
std::string rule_state_prefix(std::string_view pico_id) {
  return build(kRuleState, {pico_id}, {"pico id"}, true);
}
std::string rule_state_prefix(std::string_view pico_id, std::string_view rid) {
  return build(kRuleState, {pico_id, rid}, {"pico id", "rid"}, true);
}
bool parse_rule_state(std::string_view key, std::string* pico_id, std::string* rid,
                      std::string* rule) {
  return split(key, kRuleState, 3, {pico_id, rid, rule});
}

std::string schedule(std::string_view id) {
  return build(kSchedule, {id}, {"schedule id"}, false);
}
std::string schedule_prefix() {
  return std::string(kSchedule);
}
bool parse_schedule(std::string_view key, std::string* id) {
  return split(key, kSchedule, 1, {id});
}

std::string schedule_due(uint64_t due_ms, std::string_view id) {
  std::string key(kScheduleDue);
  append_padded(&key, due_ms);
  key.push_back(kSep);
  append_field(&key, id, "schedule id");
  return key;
}
std::string schedule_due_prefix() {
  return std::string(kScheduleDue);
}
bool parse_schedule_due(std::string_view key, uint64_t* due_ms, std::string* id) {
  std::string due, sched_id;
  if (!split(key, kScheduleDue, 2, {&due, &sched_id})) return false;
  if (!parse_padded(due, due_ms)) return false;
  if (id) *id = std::move(sched_id);
  return true;
}

std::string outbox(std::string_view host, std::string_view eci, uint64_t seq) {
  std::string key = build(kOutbox, {host, eci}, {"outbox host", "outbox eci"}, true);
  append_padded(&key, seq);
  return key;
}
std::string outbox_prefix() {
  return std::string(kOutbox);
}
bool parse_outbox(std::string_view key, std::string* host, std::string* eci, uint64_t* seq) {
  std::string h, e, s;
  if (!split(key, kOutbox, 3, {&h, &e, &s})) return false;
  if (!parse_padded(s, seq)) return false;
  if (host) *host = std::move(h);
  if (eci) *eci = std::move(e);
  return true;
}

std::string local_delivery(uint64_t seq) {
  std::string key(kLocalDelivery);
  append_padded(&key, seq);
  return key;
}
std::string local_delivery_prefix() {
  return std::string(kLocalDelivery);
}
bool parse_local_delivery(std::string_view key, uint64_t* seq) {
  if (key.substr(0, kLocalDelivery.size()) != kLocalDelivery) return false;
  return parse_padded(key.substr(kLocalDelivery.size()), seq);
}

std::string delivered(std::string_view pico_id, std::string_view eci, std::string_view sender) {
  return build(kDelivered, {pico_id, eci, sender}, {"pico id", "eci", "sender"}, false);
}
std::string delivered_prefix(std::string_view pico_id) {
  return build(kDelivered, {pico_id}, {"pico id"}, true);
}
bool parse_delivered(std::string_view key, std::string* pico_id, std::string* eci,
                     std::string* sender) {
  return split(key, kDelivered, 3, {pico_id, eci, sender});
}

std::string log_entry(std::string_view pico_id, std::string_view rid, std::string_view log,
                      uint64_t seq) {
  std::string key = build(kLogEntry, {pico_id, rid, log}, {"pico id", "rid", "log name"}, true);
  append_padded(&key, seq);
  return key;
}
std::string log_prefix(std::string_view pico_id) {
  return build(kLogEntry, {pico_id}, {"pico id"}, true);
}
std::string log_prefix(std::string_view pico_id, std::string_view rid) {
  return build(kLogEntry, {pico_id, rid}, {"pico id", "rid"}, true);
}
bool parse_log_entry(std::string_view key, std::string* pico_id, std::string* rid, std::string* log,
                     uint64_t* seq) {
  std::string number;
  if (!split(key, kLogEntry, 4, {pico_id, rid, log, &number})) return false;
  return parse_padded(number, seq);
}

std::string episode(std::string_view pico_id, uint64_t seq) {
  std::string key = build(kEpisode, {pico_id}, {"pico id"}, true);
  append_padded(&key, seq);
  return key;
}
std::string episode_prefix(std::string_view pico_id) {
  return build(kEpisode, {pico_id}, {"pico id"}, true);
}
bool parse_episode(std::string_view key, std::string* pico_id, uint64_t* seq) {
  std::string number;
  if (!split(key, kEpisode, 2, {pico_id, &number})) return false;
  return parse_padded(number, seq);
}
std::string episode_state(std::string_view pico_id) {
  return build(kEpisodeState, {pico_id}, {"pico id"}, true);
}

std::string log_key(std::string_view pico_id, std::string_view rid, std::string_view log,
                    std::string_view key) {
  std::string out = build(kLogKey, {pico_id, rid, log}, {"pico id", "rid", "log name"}, true);
  out.append(key);  // ends the key: any byte
  return out;
}
std::string log_key_prefix(std::string_view pico_id) {
  return build(kLogKey, {pico_id}, {"pico id"}, true);
}
std::string log_key_prefix(std::string_view pico_id, std::string_view rid) {
  return build(kLogKey, {pico_id, rid}, {"pico id", "rid"}, true);
}

std::string device_topic(std::string_view topic) {
  return std::string(kDeviceTopic) + std::string(topic);
}

std::string pico_topic(std::string_view pico_id, std::string_view topic) {
  std::string key = build(kPicoTopic, {pico_id}, {"pico id"}, true);
  key.append(topic);  // ends the key: any byte
  return key;
}
std::string pico_topic_prefix(std::string_view pico_id) {
  return build(kPicoTopic, {pico_id}, {"pico id"}, true);
}
bool parse_pico_topic(std::string_view key, std::string* pico_id, std::string* topic) {
  std::string_view rest = key;
  if (rest.substr(0, kPicoTopic.size()) != kPicoTopic) return false;
  rest.remove_prefix(kPicoTopic.size());
  const size_t sep = rest.find(kSep);
  if (sep == std::string_view::npos || sep == 0) return false;
  *pico_id = std::string(rest.substr(0, sep));
  *topic = std::string(rest.substr(sep + 1));
  return true;
}

bool movable_key(std::string_view key) {
  for (std::string_view family :
       {kPico, kChannel, kPicoChannel, kChild, kInstallation, kEntvar, kEntvarEntry, kRuleState,
        kDelivered, kLogEntry, kLogKey, kEpisode, kEpisodeState, kPicoTopic, kDeviceTopic,
        kScheduleDue, kSlotMember}) {
    if (key.size() > family.size() && key.substr(0, family.size()) == family) return true;
  }
  return false;
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xFF) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace spime::store::keys
