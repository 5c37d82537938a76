// The KRL modules the pico runtime provides: event, meta, ctx, schedule.
//
// Their members are plain Builtin rows (callable.h). They reach the pico and
// the schedule through the evaluation's Host, which during an event or query
// is always a RuntimeHost (runtime_host.h); called with any other host (or
// none) they throw KrlError "<module>:<member> needs a pico".
#pragma once

#include <vector>

#include "engine/krl/callable.h"

namespace spime::runtime {

const krl::Module& event_module();     // module_event.cpp
const krl::Module& meta_module();      // module_meta.cpp
const krl::Module& ctx_module();       // module_ctx.cpp
const krl::Module& schedule_module();  // module_schedule.cpp (list, remove)

// All of them, for CompileOptions::host_modules.
const std::vector<const krl::Module*>& runtime_modules();

}  // namespace spime::runtime
