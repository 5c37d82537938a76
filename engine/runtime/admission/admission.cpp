#include "engine/runtime/admission/admission.h"

#include "engine/krl/ascii.h"
#include "engine/runtime/admission/channel_index.h"
#include "engine/runtime/channel/attrs_schema.h"
#include "engine/runtime/channel/channel_policy.h"
#include "engine/runtime/records/ids.h"

namespace spime::runtime {

using api::Status;
using krl::trim;

namespace {

Admission refuse(Status s) {
  Admission a;
  a.status = std::move(s);
  return a;
}

// The channel behind `eci`, or a refusal.
Admission find_channel(ChannelIndex& index, const store::Store& store, std::string eci) {
  Admission a;
  a.eci = std::move(eci);
  ChannelIndex::Found found;
  if (is_valid_id(a.eci)) found = index.lookup(store, a.eci);
  a.depends_on = found.depends_on;
  if (!found.channel) {
    a.status = Status::not_found("ECI not found " + a.eci);
    return a;
  }
  a.channel = std::move(found.channel);
  return a;
}

}  // namespace

Admission admit_event(ChannelIndex& index, const store::Store& store, const api::EventRequest& req,
                      std::string_view from_pico_id) {
  std::string eci = trim(req.eci), domain = trim(req.domain), name = trim(req.name);
  if (eci.empty()) return refuse(Status::invalid_argument("missing event.eci"));
  if (domain.empty()) return refuse(Status::invalid_argument("missing event.domain"));
  if (name.empty()) return refuse(Status::invalid_argument("missing event.name"));
  if (!req.attrs.is_null() && !req.attrs.is_map()) {
    return refuse(Status::invalid_argument("Expected a JSON map for event.data.attrs"));
  }
  Admission a = find_channel(index, store, std::move(eci));
  if (!a.status.is_ok()) return a;
  a.first = std::move(domain);
  a.second = std::move(name);
  if (auto family = check_family(a.channel->family_pico_id, from_pico_id)) {
    a.status = Status::permission_denied(*family);
  } else if (auto denied = check_event(a.channel->event_policy, a.first, a.second)) {
    a.status = Status::permission_denied(*denied);
  } else if (a.channel->schema) {
    // On the caller's thread, once, on the request's own attributes (no copy).
    static const krl::Value kNoAttrs{krl::Map()};
    if (auto failed = a.channel->schema->validate(req.attrs.is_map() ? req.attrs : kNoAttrs)) {
      a.status = Status::invalid_argument(failed->message).with_pointer(failed->path);
    }
  }
  return a;
}

Admission admit_query(ChannelIndex& index, const store::Store& store, const api::QueryRequest& req,
                      std::string_view from_pico_id) {
  std::string eci = trim(req.eci), rid = trim(req.rid), name = trim(req.name);
  if (eci.empty()) return refuse(Status::invalid_argument("missing query.eci"));
  if (rid.empty()) return refuse(Status::invalid_argument("missing query.rid"));
  if (name.empty()) return refuse(Status::invalid_argument("missing query.name"));
  if (!req.args.is_null() && !req.args.is_map()) {
    return refuse(Status::invalid_argument("Expected a JSON map for query.args"));
  }
  Admission a = find_channel(index, store, std::move(eci));
  if (!a.status.is_ok()) return a;
  a.first = std::move(rid);
  a.second = std::move(name);
  if (auto family = check_family(a.channel->family_pico_id, from_pico_id)) {
    a.status = Status::permission_denied(*family);
  } else if (auto denied = check_query(a.channel->query_policy, a.first, a.second)) {
    a.status = Status::permission_denied(*denied);
  }
  return a;
}

}  // namespace spime::runtime
