// Admission: the one gate every request to a pico passes, whoever sends it
// (an HTTP client, a scheduled event, an event:send from another pico).
//
// For an event: the ECI, domain and name are trimmed and must not be blank,
// the attributes must be a map (as pico-framework's cleanEvent); the channel
// must exist and its event policy allow the event; when the channel carries
// an attribute schema, the attributes must conform (refused with the JSON
// Pointer of the first offending attribute, before the pico sees anything).
// For a query: the same with rid and name and the query policy (cleanQuery).
// A family channel admits only its owning pico: `from_pico_id` names the
// sending pico (empty: an HTTP client, or a sender that is no pico), and
// anyone else is refused (kPermissionDenied, the reference's message).
//
// An admission names the commit sequence number its channel lookup rests on
// (channel_index.h): the answer to the request, refusal included, must not
// leave before it is durable.
//
// Runs on the caller's thread (an HTTP I/O thread: it never blocks on a
// pico). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/api/engine_api.h"
#include "engine/runtime/records/records.h"

namespace spime::store {
class Store;
}

namespace spime::runtime {

class ChannelIndex;

struct Admission {
  api::Status status;  // ok: admitted
  std::uint64_t depends_on = 0;
  std::shared_ptr<const ChannelRecord> channel;  // when admitted
  // Trimmed: the ECI and, for an event, domain and name; for a query, rid and name.
  std::string eci, first, second;
};

Admission admit_event(ChannelIndex& index, const store::Store& store,
                      const api::EventRequest& request, std::string_view from_pico_id = {});
Admission admit_query(ChannelIndex& index, const store::Store& store,
                      const api::QueryRequest& request, std::string_view from_pico_id = {});

}  // namespace spime::runtime
