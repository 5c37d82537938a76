#include "channels/mqtt/mqtt_event.h"

#include <utility>

#include "channels/attributes.h"
#include "channels/http_response.h"

namespace spime::mqtt {

api::Status event_from_message(std::string_view topic, std::string_view payload,
                               api::EventRequest* out) {
  std::string_view parts[4];
  std::size_t n = 0, start = 0;
  for (;;) {
    const std::size_t slash = topic.find('/', start);
    std::string_view part =
        topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (n == 4)
      return api::Status::invalid_argument("topic " + std::string(topic) +
                                           " is not spime/<eci>/<domain>/<type>");
    parts[n++] = part;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (n != 4 || parts[0] != "spime") {
    return api::Status::invalid_argument("topic " + std::string(topic) +
                                         " is not spime/<eci>/<domain>/<type>");
  }
  out->eci = std::string(parts[1]);
  out->domain = std::string(parts[2]);
  out->name = std::string(parts[3]);
  return attrs_from_payload(payload, &out->attrs);
}

api::Status attrs_from_payload(std::string_view payload, krl::Value* attrs) {
  krl::Value parsed;
  channels::AttributeError error;
  if (!channels::parse_body("application/json", payload, !payload.empty(), &parsed, &error)) {
    return api::Status::invalid_argument(error.message);
  }
  *attrs = parsed.is_map() ? std::move(parsed) : krl::Value(krl::Map());
  return api::Status::ok();
}

bool is_event_topic(std::string_view topic) {
  return topic.substr(0, 6) == "spime/";
}

std::string reply_body(const api::EventResult& result) {
  return channels::json_response(
             krl::Value(
                 krl::Map{{"eid", krl::Value(result.eid)},
                          {"directives", result.directives.is_array() ? result.directives
                                                                      : krl::Value(krl::Array{})}}))
      .body;
}

std::string reply_body(const api::Status& refusal) {
  return channels::status_response(refusal).body;
}

}  // namespace spime::mqtt
