// The KRL modules the pico runtime provides: event, meta, ctx, schedule, http,
// logs, prototypes.
//
// Their members are plain Builtin rows (callable.h). They reach the pico and
// the schedule through the evaluation's Host, which during an event or query
// is always a RuntimeHost (runtime_host.h); called with any other host (or
// none) they throw KrlError "<module>:<member> needs a pico" (http works
// without a pico: `krl run`, `krl eval`).
//
// A blocking module waits on the network inside the call (http). A ruleset
// that refers to one is marked when compiled (RulesetRegistry), and picos
// that have it installed run on the I/O pool (pico/io_pool.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/krl/callable.h"

namespace spime::runtime {

const krl::Module& event_module();       // module_event.cpp
const krl::Module& meta_module();        // module_meta.cpp
const krl::Module& ctx_module();         // module_ctx.cpp
const krl::Module& schedule_module();    // module_schedule.cpp (list, remove)
const krl::Module& http_module();        // module_http.cpp
const krl::Module& prototypes_module();  // module_prototypes.cpp (get, names)
const krl::Module& logs_module();        // module_logs.cpp (append-only logs, runtime/logs/)
const krl::Module& mqtt_module();        // module_mqtt.cpp (publish, after the commit)

// All of them, for CompileOptions::host_modules.
const std::vector<const krl::Module*>& runtime_modules();

// True for the modules whose calls block on I/O ("http").
bool is_blocking_module(std::string_view name);

// How http:* encode `qs` and `form` (module_http.cpp): the qs library's
// stringify with index arrays and RFC 3986 escapes; "" unless a Map or Array.
std::string http_query_string(const krl::Value& data);

}  // namespace spime::runtime
